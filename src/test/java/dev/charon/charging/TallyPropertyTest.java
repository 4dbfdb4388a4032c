package dev.charon.charging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.billing.BillingRuns;
import dev.charon.charging.domain.CircuitBreaker;
import dev.charon.invoice.CollectionStats;
import dev.charon.invoice.InvoiceWrites;
import dev.charon.invoice.Tallies;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.testing.ChargeFixtures;
import dev.charon.testing.Fixtures;
import dev.charon.testing.MutableClock;
import dev.charon.testing.ScriptedProvider;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * The tallies (V50.1) against the plain aggregate of the invoice and attempt tables, after random
 * sequences of what changes invoices in Charon: invoices created through the API's write path,
 * billing runs produced (subscription invoices included) and charged in batches with every outcome
 * (paid, declined with and without a hard code, customer not found, currency mismatch, unavailable,
 * unknown and its reconciliation), dunning retries enqueued, void / mark-uncollectible / retry by
 * an operator, an amount corrected and an invoice deleted by hand, folds at random points, and a
 * fold while another transaction's deltas are uncommitted. After every sequence (and while that
 * transaction is open) the collection report, the per-status counts and every run's progress must
 * equal the plain aggregate exactly, money in minor units.
 */
class TallyPropertyTest {
  static final TestDatabase db = new TestDatabase();
  static final YearMonth START = YearMonth.of(2026, 11);
  static final List<String> DECLINES =
      List.of("insufficient_funds", "card_declined", "expired_card", "do_not_honor", "weird");

  @BeforeContainer
  static void start() throws Exception {
    db.beforeAll(null);
  }

  @AfterContainer
  static void stop() throws Exception {
    db.afterAll(null);
  }

  sealed interface Op {}

  /** {@code count} invoices through InvoiceWrites.create (the API's path). */
  record Create(int customer, int count, int periodBack, long amount) implements Op {}

  /** Start (or join) the current period's run and produce it (subscriptions first). */
  record Produce() implements Op {}

  /** Charge up to {@code outcomes.size()} PROCESSING invoices from {@code offset}, one batch. */
  record Charge(int offset, List<Integer> outcomes) implements Op {}

  record Act(int pick, InvoiceWrites.Action action) implements Op {}

  /** Let time pass and enqueue the retries that became due. */
  record Later(int days) implements Op {}

  record Subscribe(int customer, long amount) implements Op {}

  /** By hand: correct a PENDING invoice's amount, or delete a PENDING one without attempts. */
  record Hand(int pick, boolean delete) implements Op {}

  record Fold() implements Op {}

  /** Invoices inserted in a transaction that stays open while another session folds. */
  record FoldDuringOpenTransaction(int customer, int count) implements Op {}

  @Provide
  Arbitrary<List<Op>> sequences() {
    Arbitrary<Op> create =
        Combinators.combine(
                Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(1, 6),
                Arbitraries.integers().between(0, 2),
                Arbitraries.longs().between(1, 5_000_000_000L))
            .as(Create::new);
    Arbitrary<Op> charge =
        Combinators.combine(
                Arbitraries.integers().between(0, 5),
                Arbitraries.integers().between(0, 6).list().ofMinSize(1).ofMaxSize(8))
            .as(Charge::new);
    Arbitrary<Op> act =
        Combinators.combine(
                Arbitraries.integers().between(0, 50), Arbitraries.of(InvoiceWrites.Action.class))
            .as(Act::new);
    Arbitrary<Op> later = Arbitraries.integers().between(1, 20).map(Later::new);
    Arbitrary<Op> subscribe =
        Combinators.combine(
                Arbitraries.integers().between(0, 2), Arbitraries.longs().between(1, 100_000))
            .as(Subscribe::new);
    Arbitrary<Op> hand =
        Combinators.combine(Arbitraries.integers().between(0, 50), Arbitraries.of(true, false))
            .as(Hand::new);
    Arbitrary<Op> open =
        Combinators.combine(
                Arbitraries.integers().between(0, 2), Arbitraries.integers().between(1, 4))
            .as(FoldDuringOpenTransaction::new);
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(6, create),
            net.jqwik.api.Tuple.of(3, Arbitraries.just(new Produce())),
            net.jqwik.api.Tuple.of(6, charge),
            net.jqwik.api.Tuple.of(3, act),
            net.jqwik.api.Tuple.of(2, later),
            net.jqwik.api.Tuple.of(1, subscribe),
            net.jqwik.api.Tuple.of(1, hand),
            net.jqwik.api.Tuple.of(2, Arbitraries.just(new Fold())),
            net.jqwik.api.Tuple.of(1, open))
        .list()
        .ofMinSize(5)
        .ofMaxSize(40);
  }

  @Property(tries = 40)
  void the_tallies_equal_the_plain_aggregate_after_any_sequence(@ForAll("sequences") List<Op> ops)
      throws Exception {
    db.clean();
    var jdbi = db.jdbi();
    var clock = new MutableClock(Instant.parse("2026-11-02T00:00:00Z"));
    var fixtures = new Fixtures(jdbi);
    var customers =
        List.of(
            fixtures.customer(Currency.EUR),
            fixtures.customer(Currency.USD),
            fixtures.customer(Currency.JPY));
    var currencies = List.of(Currency.EUR, Currency.USD, Currency.JPY);
    var metrics = new SimpleMeterRegistry();
    var runs = new BillingRuns(jdbi, clock, ZoneOffset.UTC, 3, metrics);
    var tallies = new Tallies(jdbi, metrics);
    var stats = new CollectionStats(jdbi, tallies);
    var writes = new InvoiceWrites(clock, metrics);
    var provider = new ScriptedProvider();
    var policy = ChargeFixtures.policy();
    var engine =
        new ChargeEngine(
            jdbi,
            provider,
            policy,
            new CircuitBreaker(1_000_000, Duration.ofSeconds(1), clock),
            clock,
            "tally-test",
            metrics);
    int charged = 0;
    for (var op : ops) {
      Statistics.label("op").collect(op.getClass().getSimpleName());
      switch (op) {
        case Create c -> {
          var period = YearMonth.now(clock.withZone(ZoneOffset.UTC)).minusMonths(c.periodBack());
          var currency = currencies.get(c.customer());
          for (int i = 0; i < c.count(); i++) {
            long amount = c.amount() + i;
            jdbi.useTransaction(
                h ->
                    writes.create(
                        h,
                        new InvoiceWrites.NewInvoice(
                            customers.get(c.customer()),
                            Money.ofMinor(amount, currency),
                            period,
                            period.atDay(1)),
                        "test"));
          }
        }
        case Produce p -> {
          var period = YearMonth.now(clock.withZone(ZoneOffset.UTC));
          runs.produce(runs.startOrJoin(period, "test").run());
        }
        case Charge c -> {
          List<Long> ids =
              jdbi.withHandle(
                  h ->
                      h.createQuery(
                              "select id from invoice where status = 'PROCESSING' order by id limit :n offset :o")
                          .bind("n", c.outcomes().size())
                          .bind("o", c.offset())
                          .mapTo(Long.class)
                          .list());
          if (ids.isEmpty()) {
            break;
          }
          var opened = engine.open(ids);
          var calls = new ArrayList<ChargeEngine.Call>();
          for (int i = 0; i < opened.attempts().size(); i++) {
            provider.then(outcome(c.outcomes().get(i % c.outcomes().size()), charged++));
            calls.add(engine.call(opened.attempts().get(i)));
          }
          if (!calls.isEmpty()) {
            engine.record(calls);
          }
        }
        case Act a -> {
          Long id = pick(a.pick(), "true");
          if (id != null) {
            jdbi.useTransaction(h -> writes.apply(h, id, a.action(), "an operator", "test"));
          }
        }
        case Later l -> {
          clock.advance(Duration.ofDays(l.days()));
          runs.enqueueRetries();
        }
        case Subscribe s ->
            jdbi.useHandle(
                h ->
                    h.createUpdate(
                            """
                            insert into subscription (customer_id, amount_minor, currency, start_date, created_by, created_at)
                            select id, :amount, currency, date '2026-10-01', 'test', now() from customer where id = :c
                            """)
                        .bind("amount", s.amount())
                        .bind("c", customers.get(s.customer()))
                        .execute());
        case Hand hand -> {
          Long id =
              pick(
                  hand.pick(),
                  "status = 'PENDING' and not exists (select 1 from charge_attempt a where a.invoice_id = invoice.id)"
                      + " and not exists (select 1 from charge_request r where r.invoice_id = invoice.id)");
          if (id != null) {
            jdbi.useTransaction(
                h -> {
                  if (hand.delete()) {
                    // History is append-only; a delete by hand has to lift that for itself.
                    h.execute(
                        "alter table invoice_history disable trigger invoice_history_append_only");
                    h.execute("delete from invoice_history where invoice_id = ?", id);
                    h.execute(
                        "alter table invoice_history enable trigger invoice_history_append_only");
                    h.execute("delete from invoice where id = ?", id);
                  } else {
                    h.execute(
                        "update invoice set amount_minor = amount_minor + 7 where id = ?", id);
                  }
                });
          }
        }
        case Fold f -> assertThat(tallies.compact()).isGreaterThanOrEqualTo(0);
        case FoldDuringOpenTransaction o -> {
          var open = jdbi.open();
          try (open;
              var pool = Executors.newSingleThreadExecutor()) {
            open.begin();
            open.createUpdate(
                    """
                    insert into invoice (customer_id, amount_minor, currency, billing_period, due_date)
                    select c.id, 100 + g, c.currency, '2026-11', date '2026-11-01'
                    from customer c, generate_series(1, :n) g where c.id = :c
                    """)
                .bind("n", o.count())
                .bind("c", customers.get(o.customer()))
                .execute();
            // Another session folds while these deltas are uncommitted, then reads.
            long folded = pool.submit(tallies::compact).get();
            assertThat(folded).isGreaterThanOrEqualTo(0);
            assertSame(stats, runs, jdbi);
            open.commit();
          }
        }
      }
    }
    assertSame(stats, runs, jdbi);
    tallies.compact();
    assertSame(stats, runs, jdbi);
  }

  private static ChargeOutcome outcome(int kind, int n) {
    return switch (kind) {
      case 0, 1 -> new ChargeOutcome.Charged("ch_tally_" + n);
      case 2 -> new ChargeOutcome.Declined(DECLINES.get(n % DECLINES.size()));
      case 3 -> new ChargeOutcome.CustomerNotFound("no such customer");
      case 4 -> new ChargeOutcome.CurrencyMismatch("EUR vs USD");
      case 5 -> new ChargeOutcome.Unavailable("connection refused");
      default -> new ChargeOutcome.Unknown("read timed out");
    };
  }

  private static Long pick(int n, String where) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "select id from invoice where "
                            + where
                            + " order by id offset :n % greatest(1, (select count(*) from invoice)) limit 1")
                    .bind("n", n)
                    .mapTo(Long.class)
                    .findOne()
                    .orElse(null));
  }

  /** The fast answers against the plain aggregates, read now. */
  private static void assertSame(
      CollectionStats stats, BillingRuns runs, org.jdbi.v3.core.Jdbi jdbi) {
    var first = YearMonth.of(2020, 1);
    var last = YearMonth.of(2030, 12);
    var report = stats.report(first, last);
    var plainRows =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        """
                        select billing_period, currency, count(*) as invoices,
                               count(*) filter (where status = 'PAID') as paid,
                               count(*) filter (where status = 'VOID') as voided,
                               coalesce(sum(amount_minor) filter (where status <> 'VOID'), 0) as billed_minor,
                               coalesce(sum(amount_minor) filter (where status = 'PAID'), 0) as collected_minor
                        from invoice group by 1, 2 order by 1, 2
                        """)
                    .map(
                        (rs, ctx) ->
                            new CollectionStats.Row(
                                YearMonth.parse(rs.getString(1)),
                                rs.getString(2),
                                rs.getLong(3),
                                rs.getLong(4),
                                rs.getLong(5),
                                rs.getLong(6),
                                rs.getLong(7)))
                    .list());
    assertThat(report.rows()).isEqualTo(plainRows);
    var plainDeclines = new TreeMap<YearMonth, Map<String, Long>>();
    jdbi.useHandle(
        h ->
            h.createQuery(
                    """
                    select i.billing_period, coalesce(a.decline_code, 'unknown'), count(*)
                    from charge_attempt a join invoice i on i.id = a.invoice_id
                    where a.outcome = 'DECLINED' group by 1, 2
                    """)
                .map((rs, ctx) -> List.of(rs.getString(1), rs.getString(2), rs.getLong(3)))
                .forEach(
                    r ->
                        plainDeclines
                            .computeIfAbsent(
                                YearMonth.parse((String) r.get(0)), k -> new TreeMap<>())
                            .put((String) r.get(1), (Long) r.get(2))));
    assertThat(report.declines()).isEqualTo(plainDeclines);
    var plainStatus = new TreeMap<String, Long>();
    jdbi.useHandle(
        h ->
            h.createQuery("select status, count(*) from invoice group by 1")
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2)))
                .forEach(e -> plainStatus.put(e.getKey(), e.getValue())));
    var fastStatus = new TreeMap<String, Long>();
    report
        .byStatus()
        .forEach(
            (s, n) -> {
              if (n != 0) {
                fastStatus.put(s.name(), n);
              }
            });
    assertThat(fastStatus).isEqualTo(plainStatus);
    for (var run : runs.list(0, 1000)) {
      var progress = runs.progress(run.id());
      var byStatus = new TreeMap<String, Long>();
      var paid = new TreeMap<String, Long>();
      var billed = new TreeMap<String, Long>();
      jdbi.useHandle(
          h ->
              h.createQuery(
                      "select status, currency, count(*), sum(amount_minor) from invoice where billing_run_id = :id group by 1, 2")
                  .bind("id", run.id())
                  .map(
                      (rs, ctx) ->
                          List.of(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)))
                  .forEach(
                      r -> {
                        byStatus.merge((String) r.get(0), (Long) r.get(2), Long::sum);
                        billed.merge((String) r.get(1), (Long) r.get(3), Long::sum);
                        if (r.get(0).equals("PAID")) {
                          paid.merge((String) r.get(1), (Long) r.get(3), Long::sum);
                        }
                      }));
      assertThat(new TreeMap<>(progress.byStatus())).as("run %d", run.id()).isEqualTo(byStatus);
      assertThat(new TreeMap<>(progress.paidMinorByCurrency()))
          .as("run %d", run.id())
          .isEqualTo(paid);
      assertThat(new TreeMap<>(progress.billedMinorByCurrency()))
          .as("run %d", run.id())
          .isEqualTo(billed);
    }
  }
}
