package dev.charon.refund;

import static dev.charon.invoice.domain.InvoiceTransition.REFUND_PARTLY;

import dev.charon.credit.CreditNotes;
import dev.charon.credit.domain.CreditNote;
import dev.charon.db.SqlFiles;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The refund executor's SQL: claim open refunds with a lease, then record each outcome in one
 * transaction. Every write is guarded: a success only once (status still open), a deferral only by
 * the executor that made the latest call (lease owner and call count), so an executor that comes
 * back after its lease was taken over changes nothing.
 */
final class RefundStore {
  /** A claimed refund: what the provider call needs, and the call count that fences its record. */
  record Claimed(
      long id,
      long invoiceId,
      int refundNo,
      long customerId,
      Money amount,
      String reason,
      String actor,
      String idempotencyKey,
      int calls,
      boolean untouched,
      String chargeReference) {}

  /** A refund the provider made, as recorded: the note issued and the invoice's new state. */
  record Settled(CreditNote note, String invoiceStatus, long refundedMinor) {}

  private final Jdbi jdbi;
  private final CreditNotes notes;

  RefundStore(Jdbi jdbi, CreditNotes notes) {
    this.jdbi = jdbi;
    this.notes = notes;
  }

  List<Claimed> claim(String owner, Duration lease, int n) {
    return jdbi.inTransaction(
        h ->
            h.createQuery(SqlFiles.get("refund/claim"))
                .bind("n", n)
                .bind("owner", owner)
                .bind("lease", (double) lease.toMillis() / 1000)
                .map(
                    (rs, ctx) ->
                        new Claimed(
                            rs.getLong("id"),
                            rs.getLong("invoice_id"),
                            rs.getInt("refund_no"),
                            rs.getLong("customer_id"),
                            Money.ofMinor(
                                rs.getLong("amount_minor"),
                                Currency.valueOf(rs.getString("currency"))),
                            rs.getString("reason"),
                            rs.getString("actor"),
                            rs.getString("idempotency_key"),
                            rs.getInt("calls"),
                            rs.getBoolean("untouched"),
                            rs.getString("charge_reference")))
                .list());
  }

  /**
   * Records a refund the provider made: the refund SUCCEEDED, the invoice's refunded amount and
   * status (with its history entry and invoice.refunded event, by trigger), and a REFUND credit
   * note, in one transaction. Empty when the refund was already settled (a duplicate record).
   */
  Optional<Settled> succeed(long refundId, String providerReference, String worker, Instant now) {
    return jdbi.inTransaction(h -> succeed(h, refundId, providerReference, worker, now));
  }

  private Optional<Settled> succeed(
      Handle h, long refundId, String providerReference, String worker, Instant now) {
    var row =
        h.createQuery(SqlFiles.get("refund/succeed"))
            .bind("reference", providerReference)
            .bind("now", Timestamp.from(now))
            .bind("id", refundId)
            .mapToMap()
            .findOne();
    if (row.isEmpty()) {
      return Optional.empty();
    }
    var r = row.get();
    long invoice = ((Number) r.get("invoice_id")).longValue();
    int no = ((Number) r.get("refund_no")).intValue();
    var amount =
        Money.ofMinor(
            ((Number) r.get("amount_minor")).longValue(),
            Currency.valueOf(((String) r.get("currency")).trim()));
    var actor = (String) r.get("actor");
    var reason = (String) r.get("reason");
    return Optional.of(
        settleInvoice(
            h,
            refundId,
            invoice,
            no,
            ((Number) r.get("customer_id")).longValue(),
            amount,
            reason,
            actor,
            providerReference,
            worker));
  }

  // The invoice's refunded amount and status (history and event by trigger) and the REFUND note.
  private Settled settleInvoice(
      Handle h,
      long refundId,
      long invoice,
      int no,
      long customerId,
      Money amount,
      String reason,
      String actor,
      String providerReference,
      String recorder) {
    var change =
        REFUND_PARTLY.by(
            actor,
            "refund "
                + no
                + " of "
                + amount
                + " made by the provider ("
                + providerReference
                + ", recorded by "
                + recorder
                + "): "
                + reason);
    var invoiceRow =
        h.createQuery(SqlFiles.get("refund/refund-invoice"))
            .bind("amount", amount.minorUnits())
            .bind("reason", change.reason())
            .bind("actor", change.actor())
            .bind("invoice", invoice)
            .mapToMap()
            .findOne()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "refund "
                            + refundId
                            + " succeeded at the provider but invoice "
                            + invoice
                            + " is no longer refundable; nothing was recorded"));
    var note =
        notes.issue(
            h,
            new CreditNotes.NewNote(
                CreditNote.Kind.REFUND, invoice, refundId, customerId, amount, reason, actor));
    return new Settled(
        note,
        (String) invoiceRow.get("status"),
        ((Number) invoiceRow.get("refunded_minor")).longValue());
  }

  /**
   * Records a refund the provider made on its own (a backstop or an event, {@code recorder}, found
   * it): a SUCCEEDED refund of source provider, the invoice's refunded amount and status, and a
   * REFUND credit note, in one transaction; the actor is {@code actor} (the provider). Empty when
   * it was recorded before.
   */
  Optional<Settled> recordExternal(
      long invoiceId,
      Money amount,
      String providerReference,
      String reason,
      String actor,
      String recorder,
      Instant now) {
    return jdbi.inTransaction(
        h -> {
          h.createQuery("select id from invoice where id = :id for update")
              .bind("id", invoiceId)
              .mapTo(Long.class)
              .findOne()
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "the provider refunded unknown invoice " + invoiceId));
          var inserted =
              h.createQuery(SqlFiles.get("refund/record-external"))
                  .bind("amount", amount.minorUnits())
                  .bind("currency", amount.currency().name())
                  .bind("reason", reason)
                  .bind("actor", actor)
                  .bind("reference", providerReference)
                  .bind("now", Timestamp.from(now))
                  .bind("invoice", invoiceId)
                  .mapToMap()
                  .findOne();
          if (inserted.isEmpty()) {
            return Optional.<Settled>empty();
          }
          var row = inserted.get();
          return Optional.of(
              settleInvoice(
                  h,
                  ((Number) row.get("id")).longValue(),
                  invoiceId,
                  ((Number) row.get("refund_no")).intValue(),
                  ((Number) row.get("customer_id")).longValue(),
                  amount,
                  reason,
                  actor,
                  providerReference,
                  recorder));
        });
  }

  /** The provider refused it: FAILED with why, which releases its reservation. */
  boolean fail(long refundId, String code, String failure, Instant now) {
    return jdbi.withHandle(
            h ->
                h.createUpdate(SqlFiles.get("refund/fail"))
                    .bind("code", code)
                    .bind("failure", failure)
                    .bind("now", Timestamp.from(now))
                    .bind("id", refundId)
                    .execute())
        == 1;
  }

  /**
   * Offers the refund again at {@code next}, to be sent with the same key. {@code neverProcessed}:
   * the provider cannot have processed any call of it yet (only one call, answered Unavailable).
   */
  boolean defer(Claimed c, String owner, Instant next, String detail, boolean neverProcessed) {
    return jdbi.withHandle(
            h ->
                h.createUpdate(SqlFiles.get("refund/defer"))
                    .bind("next", Timestamp.from(next))
                    .bind("detail", detail)
                    .bind("neverProcessed", neverProcessed)
                    .bind("id", c.id())
                    .bind("owner", owner)
                    .bind("calls", c.calls())
                    .execute())
        == 1;
  }
}
