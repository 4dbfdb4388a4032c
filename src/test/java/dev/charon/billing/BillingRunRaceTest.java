package dev.charon.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.billing.domain.BillingRun;
import dev.charon.money.Currency;
import dev.charon.testing.Fixtures;
import dev.charon.testing.MutableClock;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Invariant 3: exactly one billing run per period, however many schedulers fire for it. */
class BillingRunRaceTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static final int DUE = 40;
  static final YearMonth PERIOD = YearMonth.of(2026, 12);
  static final Instant FIRE_TIME = Instant.parse("2026-12-01T00:00:00Z");

  private final Fixtures fixtures = new Fixtures(db.jdbi());
  private final MutableClock clock = new MutableClock(FIRE_TIME.plusSeconds(1));
  // Small batches, so the three producers interleave over several transactions.
  private final BillingSettings settings = BillingSettings.defaults().withBatchSize(7);

  @BeforeEach
  void setUp() {
    db.clean();
    long customer = fixtures.customer(Currency.EUR);
    // Set-based: 50 repetitions of row-by-row inserts would be most of this test's time.
    db.jdbi()
        .useHandle(
            h ->
                h.createUpdate(
                        """
                        insert into invoice (customer_id, amount_minor, currency, billing_period, due_date)
                        select :customer, 1000 + n, 'EUR', '2026-11', date '2026-11-01' from generate_series(1, :due) n
                        """)
                    .bind("customer", customer)
                    .bind("due", DUE)
                    .execute());
  }

  @RepeatedTest(50)
  void three_schedulers_racing_the_same_period_create_exactly_one_run() throws Exception {
    var registries =
        List.of(new SimpleMeterRegistry(), new SimpleMeterRegistry(), new SimpleMeterRegistry());
    var schedulers =
        registries.stream()
            .map(
                m ->
                    new BillingScheduler(
                        db.dataSource(),
                        BillingRuns.of(db.jdbi(), clock, settings, m),
                        settings,
                        clock,
                        "s"))
            .toList();
    var barrier = new CyclicBarrier(schedulers.size());
    var results = new ArrayList<Future<BillingRun>>();
    try (var threads = Executors.newFixedThreadPool(schedulers.size())) {
      for (var scheduler : schedulers) {
        results.add(
            threads.submit(
                () -> {
                  barrier.await();
                  return scheduler.runMonthly(FIRE_TIME, () -> false);
                }));
      }
      for (var result : results) {
        assertThat(result.get().period()).isEqualTo(PERIOD);
      }
    }

    assertThat(results.stream().map(r -> r.resultNow().id()).distinct()).hasSize(1);
    assertThat(
            registries.stream()
                .mapToDouble(
                    r -> r.counter("charon.billing.runs.started", "started_by", "schedule").count())
                .sum())
        .as("runs started, over the three instances")
        .isEqualTo(1.0);
    assertExactlyOneRunWithEveryDueInvoiceEnqueuedOnce();
  }

  @Test
  void three_running_db_schedulers_fire_the_monthly_task_once() {
    clock.set(FIRE_TIME.minusSeconds(60));
    var schedulers = new ArrayList<BillingScheduler>();
    try {
      for (int i = 1; i <= 3; i++) {
        var runs = BillingRuns.of(db.jdbi(), clock, settings, new SimpleMeterRegistry());
        schedulers.add(
            new BillingScheduler(db.dataSource(), runs, settings, clock, "instance-" + i).start());
      }
      assertThat(periods()).as("not due yet").isEmpty();

      clock.set(FIRE_TIME.plusSeconds(1));
      schedulers.forEach(BillingScheduler::triggerCheck);

      await().atMost(Duration.ofSeconds(30)).until(() -> state().equals("CHARGING"));
      // The execution that fired was completed and rescheduled for the next 1st.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  schedulers
                      .getFirst()
                      .nextMonthlyExecution()
                      .orElseThrow()
                      .equals(Instant.parse("2027-01-01T00:00:00Z")));
      assertExactlyOneRunWithEveryDueInvoiceEnqueuedOnce();
      String startedBy =
          db.jdbi()
              .withHandle(
                  h ->
                      h.createQuery("select started_by from billing_run")
                          .mapTo(String.class)
                          .one());
      assertThat(startedBy).isEqualTo("schedule");
    } finally {
      schedulers.forEach(BillingScheduler::stop);
    }
  }

  private void assertExactlyOneRunWithEveryDueInvoiceEnqueuedOnce() {
    assertThat(periods()).containsExactly(PERIOD.toString());
    var counts =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            """
                            select (select enqueued from billing_run) as enqueued,
                                   (select count(*) from charge_request) as requests,
                                   (select count(distinct invoice_id) from charge_request) as invoices,
                                   (select count(*) from invoice where status = 'PROCESSING'
                                      and billing_run_id = (select id from billing_run)) as processing
                            """)
                        .mapToMap()
                        .one());
    assertThat(counts)
        .containsEntry("enqueued", (long) DUE)
        .containsEntry("requests", (long) DUE)
        .containsEntry("invoices", (long) DUE)
        .containsEntry("processing", (long) DUE);
  }

  private List<String> periods() {
    return db.jdbi()
        .withHandle(
            h -> h.createQuery("select period from billing_run").mapTo(String.class).list());
  }

  private String state() {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select state from billing_run")
                    .mapTo(String.class)
                    .findOne()
                    .orElse("none"));
  }
}
