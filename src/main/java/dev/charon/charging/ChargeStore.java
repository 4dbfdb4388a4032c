package dev.charon.charging;

import dev.charon.money.Currency;
import dev.charon.money.Money;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.jdbi.v3.core.Handle;

/** The SQL of one charge: open or reuse an attempt, record its outcome, move the invoice. */
final class ChargeStore {

  /** An attempt ready to be sent: its key, what to charge, and how often the key was sent. */
  record OpenAttempt(
      long attemptId, long invoiceId, long customerId, Money amount, String idempotencyKey, int calls,
      int declinesBefore, int unavailableBefore) {}

  /**
   * Locks the invoice and returns the attempt to send: the one left UNKNOWN by an earlier delivery
   * (reconciliation: same key) or a new one. Empty when the invoice is no longer PROCESSING, i.e.
   * the request is stale (already settled, voided, or a duplicate delivery).
   */
  Optional<OpenAttempt> openAttempt(Handle h, long invoiceId, String worker) {
    var invoice =
        h.createQuery(
                "select customer_id, amount_minor, currency, status, attempt_count from invoice where id = :id for update")
            .bind("id", invoiceId)
            .mapToMap()
            .findOne();
    if (invoice.isEmpty() || !"PROCESSING".equals(invoice.get().get("status"))) {
      return Optional.empty();
    }
    var row = invoice.get();
    var amount = Money.ofMinor((Long) row.get("amount_minor"), Currency.valueOf((String) row.get("currency")));
    long customerId = (Long) row.get("customer_id");
    var counts =
        h.createQuery(
                """
                select count(*) filter (where outcome = 'DECLINED') as declines,
                       count(*) filter (where outcome = 'UNAVAILABLE') as unavailable
                from charge_attempt where invoice_id = :id
                """)
            .bind("id", invoiceId)
            .map((rs, ctx) -> new int[] {rs.getInt("declines"), rs.getInt("unavailable")})
            .one();
    var open =
        h.createQuery(
                """
                update charge_attempt set calls = calls + 1, worker = :worker
                where invoice_id = :id and outcome = 'UNKNOWN'
                returning id, idempotency_key, calls
                """)
            .bind("id", invoiceId)
            .bind("worker", worker)
            .map(
                (rs, ctx) ->
                    new OpenAttempt(
                        rs.getLong("id"), invoiceId, customerId, amount, rs.getString("idempotency_key"),
                        rs.getInt("calls"), counts[0], counts[1]))
            .findOne();
    if (open.isPresent()) {
      return open;
    }
    int attemptNo = ((Integer) row.get("attempt_count")) + 1;
    // Unique across databases too: a provider's key store may outlive a demo database.
    var key = "inv%d-att%d-%s".formatted(invoiceId, attemptNo, HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()));
    long attemptId =
        h.createQuery(
                """
                insert into charge_attempt (invoice_id, attempt_no, idempotency_key, amount_minor, currency, worker, calls)
                values (:id, :no, :key, :amount, :currency, :worker, 1)
                returning id
                """)
            .bind("id", invoiceId)
            .bind("no", attemptNo)
            .bind("key", key)
            .bind("amount", amount.minorUnits())
            .bind("currency", amount.currency().name())
            .bind("worker", worker)
            .mapTo(Long.class)
            .one();
    h.createUpdate("update invoice set attempt_count = :no where id = :id").bind("no", attemptNo).bind("id", invoiceId).execute();
    return Optional.of(new OpenAttempt(attemptId, invoiceId, customerId, amount, key, 1, counts[0], counts[1]));
  }

  /**
   * Every transaction of a charge locks the invoice first, so that concurrent deliveries of the
   * same invoice queue up on one row instead of deadlocking on invoice and attempt rows.
   */
  void lockInvoice(Handle h, long invoiceId) {
    h.createQuery("select id from invoice where id = :id for update").bind("id", invoiceId).mapTo(Long.class).findOne();
  }

  /** Records a final outcome on the attempt; false when another delivery already did. */
  boolean completeAttempt(Handle h, long attemptId, String outcome, String reference, String detail) {
    return h.createUpdate(
                """
                update charge_attempt set outcome = :outcome, provider_reference = :ref, detail = :detail,
                                          completed_at = now()
                where id = :id and outcome = 'UNKNOWN'
                """)
            .bind("id", attemptId)
            .bind("outcome", outcome)
            .bind("ref", reference)
            .bind("detail", detail)
            .execute()
        == 1;
  }

  /** Moves a PROCESSING invoice to its settled state; false when it was no longer PROCESSING. */
  boolean settleInvoice(
      Handle h, long invoiceId, String status, Instant paidAt, Instant nextAttemptAt, String failure, String reason, String actor) {
    return h.createUpdate(
                """
                update invoice set status = :status, paid_at = :paid_at, next_attempt_at = :next,
                                   last_failure = coalesce(:failure, last_failure),
                                   status_reason = :reason, status_actor = :actor
                where id = :id and status = 'PROCESSING'
                """)
            .bind("id", invoiceId)
            .bind("status", status)
            .bind("paid_at", paidAt)
            .bind("next", nextAttemptAt)
            .bind("failure", failure)
            .bind("reason", reason)
            .bind("actor", actor)
            .execute()
        == 1;
  }

  void deleteRequest(Handle h, long invoiceId) {
    h.createUpdate("delete from charge_request where invoice_id = :id").bind("id", invoiceId).execute();
  }

  /** Puts a request back for later: no lease, not published, available at {@code at}. */
  void rescheduleRequest(Handle h, long invoiceId, Instant at) {
    h.createUpdate(
            """
            update charge_request set available_at = :at, lease_owner = null, lease_until = null, published_at = null
            where invoice_id = :id
            """)
        .bind("id", invoiceId)
        .bind("at", at)
        .execute();
  }

  void noteUnknown(Handle h, long attemptId, String detail) {
    h.createUpdate("update charge_attempt set detail = :detail where id = :id and outcome = 'UNKNOWN'")
        .bind("id", attemptId)
        .bind("detail", detail)
        .execute();
  }
}
