package dev.charon.simulate;

import dev.charon.app.WorkerRole;
import dev.charon.billing.BillingRuns;
import dev.charon.charging.ChargingSettings;
import dev.charon.charging.domain.ChargePolicy;
import dev.charon.charging.domain.Dunning;
import dev.charon.charging.domain.NetworkRetryRules;
import dev.charon.clock.DatabaseClock;
import dev.charon.clock.TestClock;
import dev.charon.customer.PaymentMethods;
import dev.charon.db.Database;
import dev.charon.db.SqlFiles;
import dev.charon.payment.fake.FaultProfile;
import dev.charon.payment.fake.Population;
import dev.charon.payment.fake.SimulatedPaymentProvider;
import dev.charon.queue.QueueSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One dunning policy over months of billing on the test clock, with the real engine: customers with
 * monthly subscriptions, the period runs on each 1st, an in-process worker charging a zero-latency
 * simulator that answers from a seeded {@link Population}, and customers putting in a new card on
 * the day the population says, through {@link PaymentMethods} as the API would. Needs a migrated,
 * empty database of its own.
 */
public final class Simulation {
  private static final Logger log = LoggerFactory.getLogger(Simulation.class);

  public record Options(int customers, int months, YearMonth start, long seed) {}

  /**
   * A policy's figures; money in EUR minor units. {@code networkRefusedRetries}: the retries this
   * policy would have made that the card network rules forbid (each sent the invoice to
   * ACTION_REQUIRED instead), by rule in {@code networkRefusalsByRule}.
   */
  public record Result(
      String policy,
      long invoices,
      long paid,
      BigDecimal collectionRate,
      long billedMinor,
      long collectedMinor,
      long recoveredByDunningMinor,
      long retries,
      long uncollectible,
      long awaitingPaymentMethod,
      BigDecimal meanDaysToCollect,
      Map<String, Long> declinesByCode,
      long networkRefusedRetries,
      Map<String, Long> networkRefusalsByRule) {}

  private Simulation() {}

  public static Result run(Database db, Dunning dunning, Options o) {
    long started = System.nanoTime();
    var jdbi = db.jdbi();
    var population = Population.standard(o.seed(), o.start(), o.months());
    seed(jdbi, o);
    var clock =
        new DatabaseClock(
            jdbi, Clock.systemUTC(), Duration.ofDays(1)); // one process: advances invalidate it
    var metrics = new SimpleMeterRegistry();
    var runs = new BillingRuns(jdbi, clock, ZoneOffset.UTC, 1000, metrics, false); // table intake
    var testClock = new TestClock(jdbi, clock, runs, ZoneOffset.UTC, Duration.ofMinutes(5));
    var provider =
        new SimulatedPaymentProvider(
            FaultProfile.builder().seed(o.seed()).population(population).build(), clock, d -> {});
    // The worker every role runs, on the table intake, tuned for one process on a test clock:
    // the clock waits until every due charge is done, so an idle intake polls every 2 ms, and the
    // breaker never opens on a simulator that is never down.
    var charging =
        new ChargingSettings(
            ChargePolicy.DEFAULT_DUNNING,
            dunning,
            Duration.ofSeconds(5),
            Duration.ofMinutes(10),
            Duration.ofSeconds(2),
            Duration.ofMinutes(5),
            1_000_000,
            Duration.ofSeconds(1),
            64,
            1,
            Duration.ZERO,
            Duration.ofMinutes(10),
            Duration.ofSeconds(30),
            Duration.ofMillis(2));
    var methods = new PaymentMethods(jdbi, clock, metrics);
    var fixes = cardFixes(population, o.customers());
    try (var worker =
        WorkerRole.start(
            db,
            new QueueSettings(QueueSettings.Transport.POSTGRES, null),
            charging,
            provider,
            clock,
            metrics)) {
      var first = o.start().atDay(1);
      testClock.freeze(
          java.util.Optional.of(first.atStartOfDay(ZoneOffset.UTC).toInstant().minusSeconds(3600)));
      var end = o.start().plusMonths(o.months() - 1).atEndOfMonth();
      for (var day = first; !day.isAfter(end); day = day.plusDays(1)) {
        testClock.advance(day.atStartOfDay(ZoneOffset.UTC).toInstant());
        for (long customer : fixes.getOrDefault(day, List.of())) {
          jdbi.useTransaction(
              h -> methods.update(h, customer, "pm_sim_" + customer, null, "simulator"));
        }
      }
      testClock.advance(end.atTime(23, 59, 59).toInstant(ZoneOffset.UTC));
    }
    var result = report(jdbi, dunning.name());
    log.info(
        "simulated {} for {} customers x {} months in {} ms",
        dunning.name(),
        o.customers(),
        o.months(),
        (System.nanoTime() - started) / 1_000_000);
    return result;
  }

  private static Map<LocalDate, List<Long>> cardFixes(Population population, int customers) {
    var fixes = new HashMap<LocalDate, List<Long>>();
    for (long id = 1; id <= customers; id++) {
      var c = population.customer(id);
      if (c.cardReplacedOn().isPresent()) {
        fixes.computeIfAbsent(c.cardReplacedOn().get(), k -> new ArrayList<>()).add(id);
      }
    }
    return fixes;
  }

  /** Customers 1..n (EUR) with one monthly subscription each from the horizon's first day. */
  private static void seed(Jdbi jdbi, Options o) {
    jdbi.useTransaction(
        h -> {
          h.createUpdate(
                  """
              insert into customer (id, currency, name) overriding system value
              select n, 'EUR', 'sim-' || n from generate_series(1, :n) n
              """)
              .bind("n", o.customers())
              .execute();
          h.createUpdate(
                  """
              insert into subscription (customer_id, amount_minor, currency, start_date, created_by, created_at)
              select n, 900 + (n % 12) * 500, 'EUR', :start, 'simulator', :start from generate_series(1, :n) n order by n
              """)
              .bind("n", o.customers())
              .bind("start", o.start().atDay(1))
              .execute();
        });
  }

  static Result report(Jdbi jdbi, String policy) {
    return jdbi.withHandle(
        h -> {
          var row =
              h.createQuery(
                      SqlFiles.statement(
                          """
                  select count(*) as invoices,
                         count(*) filter (where status = ${status.PAID}) as paid,
                         coalesce(sum(amount_minor), 0) as billed,
                         coalesce(sum(amount_minor) filter (where status = ${status.PAID}), 0) as collected,
                         coalesce(sum(amount_minor) filter (where status = ${status.PAID} and attempt_count > 1), 0) as recovered,
                         count(*) filter (where status = ${status.UNCOLLECTIBLE}) as uncollectible,
                         count(*) filter (where status = ${status.ACTION_REQUIRED}) as awaiting,
                         round(avg(extract(epoch from paid_at - due_date::timestamp at time zone 'UTC') / 86400)
                               filter (where status = ${status.PAID})::numeric, 2) as mean_days
                  from invoice
                  """))
                  .mapToMap()
                  .one();
          long retries =
              h.createQuery("select count(*) - count(distinct invoice_id) from charge_attempt")
                  .mapTo(Long.class)
                  .one();
          var declines = new TreeMap<String, Long>();
          h.createQuery(
                  "select coalesce(decline_code, 'unknown') as code, count(*) as n from charge_attempt where outcome = 'DECLINED' group by 1")
              .map((rs, ctx) -> Map.entry(rs.getString("code"), rs.getLong("n")))
              .forEach(e -> declines.put(e.getKey(), e.getValue()));
          // A refused retry is the decline whose decision names the rule (ChargePolicy): its
          // reason, kept as the attempt's detail, reads "... forbid a retry: <rule> (<source>)".
          var refusals = new TreeMap<String, Long>();
          h.createQuery(
                  """
                  select substring(detail from :pattern) as rule, count(*) as n from charge_attempt
                  where outcome = 'DECLINED' and strpos(detail, :refusal) > 0 group by 1
                  """)
              .bind("pattern", NetworkRetryRules.REFUSAL + ": (.*?) \\(")
              .bind("refusal", NetworkRetryRules.REFUSAL)
              .map((rs, ctx) -> Map.entry(String.valueOf(rs.getString("rule")), rs.getLong("n")))
              .forEach(e -> refusals.put(e.getKey(), e.getValue()));
          long invoices = ((Number) row.get("invoices")).longValue();
          long paid = ((Number) row.get("paid")).longValue();
          var rate =
              invoices == 0
                  ? BigDecimal.ZERO
                  : BigDecimal.valueOf(paid)
                      .divide(BigDecimal.valueOf(invoices), 4, RoundingMode.HALF_UP);
          var mean =
              row.get("mean_days") == null
                  ? BigDecimal.ZERO
                  : new BigDecimal(row.get("mean_days").toString());
          return new Result(
              policy,
              invoices,
              paid,
              rate,
              ((Number) row.get("billed")).longValue(),
              ((Number) row.get("collected")).longValue(),
              ((Number) row.get("recovered")).longValue(),
              retries,
              ((Number) row.get("uncollectible")).longValue(),
              ((Number) row.get("awaiting")).longValue(),
              mean,
              declines,
              refusals.values().stream().mapToLong(Long::longValue).sum(),
              refusals);
        });
  }
}
