package dev.charon.refund;

import dev.charon.db.Lineage;
import dev.charon.domain.Refused;
import dev.charon.invoice.InvoiceMoney;
import dev.charon.invoice.domain.Refundable;
import dev.charon.money.Money;
import dev.charon.payment.domain.IdempotencyKeys;
import dev.charon.refund.domain.Refund;
import dev.charon.refund.domain.RefundStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests and reads refunds. A request reserves its amount against the invoice under the invoice's
 * row lock and writes the refund with its number and idempotency key in the caller's transaction;
 * the provider is called later, by the {@link RefundExecutor}, always with that key.
 */
public final class Refunds {
  private static final Logger log = LoggerFactory.getLogger(Refunds.class);

  private final Jdbi jdbi;
  private final MeterRegistry metrics;
  private volatile IdempotencyKeys keys;

  public Refunds(Jdbi jdbi, MeterRegistry metrics) {
    this.jdbi = jdbi;
    this.metrics = metrics;
  }

  /**
   * Reserves a refund of {@code amount} (everything refundable when empty) of the invoice, in the
   * caller's transaction. Refused, writing nothing, when the invoice is unknown, not (partly) paid,
   * in another currency, or when the amount exceeds what remains refundable.
   */
  public Refund request(
      Handle h, long invoiceId, Optional<Money> amount, String reason, String actor) {
    var locked =
        InvoiceMoney.lock(h, invoiceId)
            .orElseThrow(
                () -> new Refused(Refused.Kind.NOT_FOUND, "No invoice with id " + invoiceId));
    return switch (locked.money().refund(amount)) {
      case Refundable.Decision.Reject r -> {
        count("refused");
        throw new Refused(Refused.Kind.INVALID, r.field(), r.detail());
      }
      case Refundable.Decision.Accept a -> {
        int number = locked.lastRefundNo() + 1;
        var key = keys(h).refund(invoiceId, number, locked.customerId(), a.amount());
        var refund =
            h.createQuery(
                    """
                    insert into refund (invoice_id, refund_no, customer_id, amount_minor, currency, reason,
                                        actor, idempotency_key)
                    values (:invoice, :no, :customer, :amount, :currency, :reason, :actor, :key)
                    returning %s
                    """
                        .formatted(RefundRows.COLUMNS))
                .bind("invoice", invoiceId)
                .bind("no", number)
                .bind("customer", locked.customerId())
                .bind("amount", a.amount().minorUnits())
                .bind("currency", a.amount().currency().name())
                .bind("reason", reason)
                .bind("actor", actor)
                .bind("key", key)
                .map((rs, ctx) -> RefundRows.map(rs))
                .one();
        count("requested");
        log.info(
            "refund {} of invoice {} requested: {} by {} ({}), key {}",
            number,
            invoiceId,
            a.amount(),
            actor,
            reason,
            key);
        yield refund;
      }
    };
  }

  public Optional<Refund> find(long id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select " + RefundRows.COLUMNS + " from refund where id = :id")
                .bind("id", id)
                .map((rs, ctx) -> RefundRows.map(rs))
                .findOne());
  }

  /** The filters of a refund list; empty means any. */
  public record Filter(
      Optional<RefundStatus> status, Optional<Long> invoiceId, Optional<Long> customerId) {}

  /** Refunds with id greater than {@code after} matching the filter, in id order. */
  public List<Refund> list(Filter filter, long after, int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select %s from refund
                    where id > :after
                      and (cast(:status as text) is null or status = :status)
                      and (cast(:invoice as bigint) is null or invoice_id = :invoice)
                      and (cast(:customer as bigint) is null or customer_id = :customer)
                    order by id
                    limit :limit
                    """
                        .formatted(RefundRows.COLUMNS))
                .bind("after", after)
                .bind("status", filter.status().map(Enum::name).orElse(null))
                .bind("invoice", filter.invoiceId().orElse(null))
                .bind("customer", filter.customerId().orElse(null))
                .bind("limit", limit)
                .map((rs, ctx) -> RefundRows.map(rs))
                .list());
  }

  private void count(String result) {
    Counter.builder("charon.refunds.requests")
        .description("Refund requests through the API, by result")
        .tag("result", result)
        .register(metrics)
        .increment();
  }

  private IdempotencyKeys keys(Handle h) {
    var loaded = keys;
    if (loaded == null) {
      loaded = new IdempotencyKeys(Lineage.secret(h));
      keys = loaded;
    }
    return loaded;
  }
}
