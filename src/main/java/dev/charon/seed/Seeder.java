package dev.charon.seed;

import dev.charon.db.SqlFiles;
import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates data shaped like the original challenge's: customers with a random currency, each with
 * one PENDING invoice for the current period and the rest PAID in the months before. Set-based SQL
 * (two statements whatever the size), so a million invoices take seconds, not hours.
 */
public final class Seeder {
  private static final Logger log = LoggerFactory.getLogger(Seeder.class);

  /** What a seed run created. */
  public record Result(long customers, long invoices, long pending, Duration elapsed) {}

  private final Jdbi jdbi;
  private final Clock clock;

  public Seeder(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  /**
   * Seeds {@code customers} customers with {@code invoicesPerCustomer} invoices each. The same
   * {@code randomSeed} on an empty database gives the same data.
   */
  public Result seed(int customers, int invoicesPerCustomer, double randomSeed) {
    if (customers < 0 || invoicesPerCustomer < 0) {
      throw new IllegalArgumentException("sizes must not be negative");
    }
    long started = System.nanoTime();
    var period = YearMonth.now(clock);
    long invoices =
        jdbi.inTransaction(
            h -> {
              h.createQuery("select setseed(:seed)")
                  .bind("seed", randomSeed)
                  .mapTo(String.class)
                  .one();
              var range =
                  h.createQuery(
                          """
                          with created as (
                            insert into customer (currency)
                            select (array['EUR','USD','DKK','SEK','GBP'])[1 + floor(random() * 5)::int]
                            from generate_series(1, :customers)
                            returning id)
                          select coalesce(min(id), 0) as first, coalesce(max(id), -1) as last from created
                          """)
                      .bind("customers", customers)
                      .map((rs, ctx) -> new long[] {rs.getLong("first"), rs.getLong("last")})
                      .one();
              // Invoice n = 1 is due now; n = 2.. were due (and paid) n - 1 months earlier.
              return (long)
                  h.createUpdate(
                          SqlFiles.statement(
                              """
                          insert into invoice (customer_id, amount_minor, currency, status, billing_period,
                                               due_date, created_at, paid_at, status_reason, status_actor)
                          select c.id,
                                 1000 + floor(random() * 49001)::bigint,
                                 c.currency,
                                 case when n = 1 then ${SEED_DUE.to} else ${SEED_PAID.to} end,
                                 to_char(p.start, 'YYYY-MM'),
                                 p.start,
                                 p.start - interval '3 days',
                                 case when n = 1 then null
                                      else p.start + random() * interval '48 hours' end,
                                 'seeded', ${SEED_DUE.actor}
                          from customer c
                          cross join generate_series(1, :per_customer) as n
                          cross join lateral (select (cast(:period_start as date)
                                                      - make_interval(months => n - 1))::date as start) p
                          where c.id between :first and :last
                          order by c.id, n
                          """))
                      .bind("per_customer", invoicesPerCustomer)
                      .bind("period_start", period.atDay(1))
                      .bind("first", range[0])
                      .bind("last", range[1])
                      .execute();
            });
    var elapsed = Duration.ofNanos(System.nanoTime() - started);
    long pending = invoicesPerCustomer > 0 ? customers : 0;
    log.info(
        "seeded {} customers, {} invoices ({} pending) in {} ms",
        customers,
        invoices,
        pending,
        elapsed.toMillis());
    return new Result(customers, invoices, pending, elapsed);
  }

  /**
   * Gives every customer that has none one active monthly subscription starting on the first of
   * {@code start}, in the customer's currency, with a seeded amount; returns how many were created.
   * A period's billing run then creates its invoices.
   */
  public long subscriptions(java.time.YearMonth start, double randomSeed) {
    return jdbi.inTransaction(
        h -> {
          h.createQuery("select setseed(:seed)").bind("seed", randomSeed).mapTo(String.class).one();
          long n =
              h.createUpdate(
                      """
                      insert into subscription (customer_id, amount_minor, currency, start_date, created_by, created_at)
                      select c.id, 500 + floor(random() * 9501)::bigint, c.currency, :start, 'seed', :now
                      from customer c
                      where not exists (select 1 from subscription s where s.customer_id = c.id)
                      order by c.id
                      """)
                  .bind("start", start.atDay(1))
                  .bind("now", java.sql.Timestamp.from(clock.instant()))
                  .execute();
          log.info("seeded {} monthly subscriptions starting {}", n, start);
          return n;
        });
  }
}
