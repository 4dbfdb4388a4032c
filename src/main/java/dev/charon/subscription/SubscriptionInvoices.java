package dev.charon.subscription;

import dev.charon.invoice.domain.InvoiceTransition;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.YearMonth;
import java.util.function.BooleanSupplier;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates each billed subscription's invoice for a period, exactly once: set-based ({@code INSERT
 * ... SELECT}), in batches of subscriptions in id order, each batch its own transaction. The unique
 * index on (subscription_id, billing_period) with {@code ON CONFLICT DO NOTHING} makes racing
 * producers harmless; the anti-join skips what an earlier (or dead) producer already created, so
 * running it again resumes instead of starting over.
 *
 * <p>The invoice is due on the period's first day, or on the start date when the subscription
 * starts later in the period; it is PENDING and charged by the period's run like any invoice.
 */
public final class SubscriptionInvoices {
  private static final Logger log = LoggerFactory.getLogger(SubscriptionInvoices.class);

  private final Jdbi jdbi;
  private final Clock clock;
  private final int batchSize;
  private final Counter created;

  public SubscriptionInvoices(Jdbi jdbi, Clock clock, int batchSize, MeterRegistry metrics) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, was " + batchSize);
    }
    this.jdbi = jdbi;
    this.clock = clock;
    this.batchSize = batchSize;
    this.created =
        Counter.builder("charon.subscription.invoices.created")
            .description("Invoices created from subscriptions by billing-run production")
            .register(metrics);
  }

  /** One batch: how many subscriptions it looked at and how many invoices it created. */
  record Batch(long lastId, int scanned, int created) {}

  /** What a call did: invoices it created, and whether none is missing any more (not stopped). */
  public record Created(long created, boolean complete) {}

  /**
   * Creates the missing invoices of {@code period}, batch after batch, until none is missing or
   * {@code stopRequested} between two batches.
   */
  public Created createFor(YearMonth period, BooleanSupplier stopRequested) {
    long total = 0;
    long after = 0;
    boolean complete;
    while (true) {
      var batch = batch(period, after);
      total += batch.created();
      if (batch.scanned() < batchSize) {
        complete = true;
        break;
      }
      if (stopRequested.getAsBoolean()) {
        complete = false;
        break;
      }
      after = batch.lastId();
    }
    if (total > 0) {
      created.increment(total);
      log.info(
          "{} subscription invoice(s) created for {}{}",
          total,
          period,
          complete ? "" : "; stopped, the next producer resumes");
    }
    return new Created(total, complete);
  }

  public long createFor(YearMonth period) {
    return createFor(period, () -> false).created();
  }

  Batch batch(YearMonth period, long after) {
    return jdbi.inTransaction(
        h ->
            h.createQuery(
                    """
                    with due as (
                      select s.id, s.customer_id, s.amount_minor, s.currency, greatest(cast(:first as date), s.start_date) as due_date
                      from subscription s
                      where s.id > :after and s.status = 'ACTIVE'
                        and s.start_date <= :last and (s.end_date is null or s.end_date >= :first)
                        and not exists (select 1 from invoice i where i.subscription_id = s.id and i.billing_period = :period)
                      order by s.id
                      limit :batch),
                    made as (
                      insert into invoice (customer_id, amount_minor, currency, billing_period, due_date, created_at,
                                           subscription_id, status_reason, status_actor)
                      select d.customer_id, d.amount_minor, d.currency, :period, d.due_date, :now, d.id,
                             'created from subscription ' || d.id || ' for ' || :period, :actor
                      from due d
                      order by d.id
                      on conflict (subscription_id, billing_period) where subscription_id is not null do nothing
                      returning 1)
                    select coalesce((select max(id) from due), :after) as last_id,
                           (select count(*) from due) as scanned,
                           (select count(*) from made) as created
                    """)
                .bind("first", period.atDay(1))
                .bind("last", period.atEndOfMonth())
                .bind("period", period.toString())
                .bind("after", after)
                .bind("batch", batchSize)
                .bind("now", Timestamp.from(clock.instant()))
                .bind(
                    "actor",
                    InvoiceTransition.CREATE_FROM_SUBSCRIPTION
                        .because("created from a subscription")
                        .actor())
                .map(
                    (rs, ctx) ->
                        new Batch(
                            rs.getLong("last_id"), rs.getInt("scanned"), rs.getInt("created")))
                .one());
  }
}
