package dev.charon.subscription;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.charon.billing.BillingRuns;
import dev.charon.money.Currency;
import dev.charon.testing.Fixtures;
import dev.charon.testing.MutableClock;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Each subscription's invoice for a period is created exactly once: racing, killed, resumed. */
class SubscriptionInvoicesTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static final YearMonth PERIOD = YearMonth.of(2026, 12);
  static final int SUBSCRIPTIONS = 300;

  private final Fixtures fixtures = new Fixtures(db.jdbi());
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:01Z"));

  @BeforeEach
  void setUp() {
    db.clean();
  }

  @RepeatedTest(5)
  void three_racing_producers_create_each_subscription_invoice_once() throws Exception {
    subscriptions(SUBSCRIPTIONS, "2026-01-01", null, "ACTIVE");
    var barrier = new CyclicBarrier(3);
    var created = new ArrayList<Future<Long>>();
    try (var threads = Executors.newFixedThreadPool(3)) {
      for (int i = 0; i < 3; i++) {
        var producer = new SubscriptionInvoices(db.jdbi(), clock, 7, new SimpleMeterRegistry());
        created.add(
            threads.submit(
                () -> {
                  barrier.await();
                  return producer.createFor(PERIOD);
                }));
      }
      long total = 0;
      for (var f : created) {
        total += f.get();
      }
      assertThat(total)
          .as("invoices the three producers say they created")
          .isEqualTo(SUBSCRIPTIONS);
    }
    assertExactlyOneInvoicePerSubscription(SUBSCRIPTIONS);
  }

  @Test
  void a_producer_whose_connection_is_killed_half_way_is_resumed_and_creates_the_rest_once()
      throws Exception {
    subscriptions(SUBSCRIPTIONS, "2026-01-01", null, "ACTIVE");
    var producer = new SubscriptionInvoices(db.jdbi(), clock, 10, new SimpleMeterRegistry());
    // Another transaction holds subscription 150's invoice key uncommitted: the producer's batch
    // 141..150 waits on it after batches 1..140 committed, so the kill strikes mid-production.
    try (var blocker = db.jdbi().open()) {
      blocker.begin();
      blocker.execute(
          "insert into invoice (customer_id, amount_minor, currency, billing_period, due_date, subscription_id, status_reason, status_actor) "
              + "select customer_id, amount_minor, currency, ?, date '2026-12-01', id, 'blocker', 'test' from subscription where id = 150",
          PERIOD.toString());
      Future<Long> run;
      try (var thread = Executors.newSingleThreadExecutor()) {
        run = thread.submit(() -> producer.createFor(PERIOD));
        var waiting =
            await()
                .atMost(Duration.ofSeconds(20))
                .until(this::producerWaitingOnLock, pid -> pid != null);
        // One backend by its pid only: the server is shared.
        boolean killed =
            db.jdbi()
                .withHandle(
                    h ->
                        h.createQuery("select pg_terminate_backend(cast(:pid as integer))")
                            .bind("pid", waiting)
                            .mapTo(Boolean.class)
                            .one());
        assertThat(killed).as("the producer's backend was terminated").isTrue();
        assertThatThrownBy(run::get).isInstanceOf(ExecutionException.class);
      }
      blocker.rollback();
    }
    assertThat(invoicesOfPeriod()).as("batches committed before the kill").isEqualTo(140);

    long resumed =
        new SubscriptionInvoices(db.jdbi(), clock, 10, new SimpleMeterRegistry()).createFor(PERIOD);

    assertThat(resumed).isEqualTo(SUBSCRIPTIONS - 140);
    assertExactlyOneInvoicePerSubscription(SUBSCRIPTIONS);
    assertThat(
            new SubscriptionInvoices(db.jdbi(), clock, 10, new SimpleMeterRegistry())
                .createFor(PERIOD))
        .as("a third run finds nothing to do")
        .isZero();
  }

  @Test
  void only_active_subscriptions_whose_dates_overlap_the_period_are_billed() {
    long billed = subscriptions(1, "2026-06-01", null, "ACTIVE").getFirst();
    long startsMidPeriod = subscriptions(1, "2026-12-15", null, "ACTIVE").getFirst();
    subscriptions(1, "2027-01-01", null, "ACTIVE"); // not started
    subscriptions(1, "2026-01-01", "2026-11-30", "ACTIVE"); // ended
    subscriptions(1, "2026-01-01", null, "CANCELLED");

    assertThat(
            new SubscriptionInvoices(db.jdbi(), clock, 10, new SimpleMeterRegistry())
                .createFor(PERIOD))
        .isEqualTo(2);

    java.util.List<String> rows =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "select subscription_id || ':' || due_date || ':' || status from invoice order by subscription_id")
                        .mapTo(String.class)
                        .list());
    assertThat(rows)
        .containsExactly(billed + ":2026-12-01:PENDING", startsMidPeriod + ":2026-12-15:PENDING");
    assertThat(
            count(
                "select count(*) from invoice where created_at = ?",
                java.sql.Timestamp.from(clock.instant())))
        .as("created at the injected clock's time")
        .isEqualTo(2);
  }

  @Test
  void
      a_billing_run_creates_the_subscription_invoices_and_enqueues_them_with_invoices_made_through_the_api() {
    subscriptions(5, "2026-01-01", null, "ACTIVE");
    long direct = fixtures.invoice().in(Currency.EUR).amount(1234).period(PERIOD).create();
    var runs = new BillingRuns(db.jdbi(), clock, ZoneOffset.UTC, 2, new SimpleMeterRegistry());
    var run = runs.startOrJoin(PERIOD, "test").run();

    runs.produce(run);
    runs.produce(run); // a second producer (or a retry) changes nothing

    assertThat(
            count(
                "select count(*) from invoice where billing_run_id = ? and status = 'PROCESSING'",
                run.id()))
        .isEqualTo(6);
    assertThat(count("select count(*) from charge_request")).isEqualTo(6);
    assertThat(
            count("select count(*) from invoice where id = ? and subscription_id is null", direct))
        .isEqualTo(1);
  }

  private long count(String sql, Object... args) {
    return db.jdbi()
        .withHandle(
            h -> {
              var q = h.createQuery(sql);
              for (int i = 0; i < args.length; i++) {
                q.bind(i, args[i]);
              }
              return q.mapTo(Long.class).one();
            });
  }

  private Long producerWaitingOnLock() {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        """
            select pid from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock' and query like '%subscription%' and pid <> pg_backend_pid()
            """)
                    .mapTo(Long.class)
                    .findFirst()
                    .orElse(null));
  }

  private long invoicesOfPeriod() {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select count(*) from invoice where billing_period = :p")
                    .bind("p", PERIOD.toString())
                    .mapTo(Long.class)
                    .one());
  }

  private void assertExactlyOneInvoicePerSubscription(int expected) {
    var counts =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "select count(*) as invoices, count(distinct subscription_id) as subscriptions from invoice where billing_period = :p")
                        .bind("p", PERIOD.toString())
                        .mapToMap()
                        .one());
    assertThat(counts)
        .containsEntry("invoices", (long) expected)
        .containsEntry("subscriptions", (long) expected);
    assertThat(count("select count(*) from invoice_history where new_status = 'PENDING'"))
        .as("one creation in each invoice's history")
        .isEqualTo(expected);
  }

  /** {@code n} subscriptions of n new EUR customers; returns their ids. */
  private java.util.List<Long> subscriptions(int n, String start, String end, String status) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        """
            with c as (insert into customer (currency) select 'EUR' from generate_series(1, :n) returning id)
            insert into subscription (customer_id, amount_minor, currency, start_date, end_date, status, cancelled_at, created_by, created_at)
            select c.id, 1000 + c.id, 'EUR', cast(:start as date), cast(:end as date), :status,
                   case when :status = 'CANCELLED' then now() end, 'test', now()
            from c order by c.id
            returning id
            """)
                    .bind("n", n)
                    .bind("start", start)
                    .bind("end", end)
                    .bind("status", status)
                    .mapTo(Long.class)
                    .list());
  }
}
