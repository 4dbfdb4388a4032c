package dev.charon.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.billing.domain.BillingRun;
import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.money.Currency;
import dev.charon.testing.Fixtures;
import dev.charon.testing.MutableClock;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Invariant 4 for the producer: a run cut at any point is resumed, never restarted or duplicated.
 */
class BillingRunResumeTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static final YearMonth NOVEMBER = YearMonth.of(2026, 11);

  private final Fixtures fixtures = new Fixtures(db.jdbi());
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-01T00:00:05Z"));
  private final BillingSettings settings = BillingSettings.defaults().withBatchSize(10);
  private final BillingRuns runs =
      BillingRuns.of(db.jdbi(), clock, settings, new SimpleMeterRegistry());
  private final BillingScheduler scheduler =
      new BillingScheduler(db.dataSource(), runs, settings, clock, "test");

  @BeforeEach
  void clean() {
    db.clean();
  }

  @Test
  void a_run_interrupted_after_half_its_requests_resumes_without_duplicates() {
    dueInvoices(20);
    var run = runs.startOrJoin(NOVEMBER, "cli").run();

    var batches = new AtomicInteger();
    var cut =
        runs.produce(run, () -> batches.incrementAndGet() >= 1); // a deploy after the first batch
    assertThat(cut.state()).isEqualTo(BillingRun.State.PRODUCING);
    assertThat(cut.enqueued()).isEqualTo(10);
    assertThat(count("select count(*) from charge_request")).isEqualTo(10);
    assertThat(
            count(
                "select count(*) from invoice where status = 'PENDING' and billing_period = '2026-11'"))
        .isEqualTo(10);

    var rejoined = runs.startOrJoin(NOVEMBER, "schedule");
    assertThat(rejoined.created()).isFalse();
    assertThat(rejoined.run().id()).isEqualTo(run.id());
    var resumed = runs.produce(rejoined.run());

    assertThat(resumed.state()).isEqualTo(BillingRun.State.CHARGING);
    assertEveryDueInvoiceEnqueuedOnce(run.id(), 20);
  }

  @Test
  void the_maintenance_task_resumes_a_run_whose_producer_died() {
    dueInvoices(25);
    var run = runs.startOrJoin(NOVEMBER, "schedule").run();
    runs.produce(run, () -> true); // killed after one batch: the run stays PRODUCING

    scheduler.maintain(() -> false);

    assertThat(runs.find(run.id()).orElseThrow().state()).isEqualTo(BillingRun.State.CHARGING);
    assertEveryDueInvoiceEnqueuedOnce(run.id(), 25);
  }

  @Test
  void a_run_is_not_restarted_for_a_period_that_finished() {
    dueInvoices(3);
    var run = scheduler.runMonthly(Instant.parse("2026-11-01T00:00:00Z"), () -> false);
    settleAllAsPaid();
    assertThat(runs.finishIfDone(run.id())).isTrue();
    long late = fixtures.invoice().period(NOVEMBER).create(); // due, but after the run finished

    var again = scheduler.runMonthly(Instant.parse("2026-11-01T00:00:00Z"), () -> false);
    scheduler.maintain(() -> false);

    assertThat(again.id()).isEqualTo(run.id());
    assertThat(again.finished()).isTrue();
    assertThat(count("select count(*) from billing_run")).isEqualTo(1);
    assertThat(count("select enqueued from billing_run")).isEqualTo(3);
    assertThat(count("select count(*) from charge_request")).isZero();
    assertThat(status(late)).isEqualTo("PENDING");
  }

  @Test
  void a_run_finishes_only_when_nothing_is_in_flight() {
    dueInvoices(2);
    var run = scheduler.runMonthly(Instant.parse("2026-11-01T00:00:00Z"), () -> false);
    assertThat(runs.finishIfDone(run.id())).isFalse();

    settleAllAsPaid();
    scheduler.maintain(() -> false);

    var finished = runs.find(run.id()).orElseThrow();
    assertThat(finished.finished()).isTrue();
    assertThat(finished.finishedAt()).isEqualTo(clock.instant());
  }

  @Test
  void a_run_is_not_finished_while_a_producer_batch_is_still_uncommitted() {
    var run = runs.produce(runs.startOrJoin(NOVEMBER, "cli").run()); // nothing due: CHARGING, empty
    try (var producer = db.jdbi().open()) {
      producer.begin();
      RunLock.shareInTransaction(producer, run.id()); // a second producer mid-batch
      assertThat(runs.finishIfDone(run.id())).isFalse();
      producer.commit();
    }
    assertThat(runs.finishIfDone(run.id())).isTrue();
  }

  @Test
  void retries_whose_time_has_come_are_enqueued_by_the_maintenance_task_and_later_ones_are_not() {
    long due = retryAt(clock.instant().minus(Duration.ofMinutes(1)));
    long later = retryAt(clock.instant().plus(Duration.ofHours(1)));

    scheduler.maintain(() -> false);

    assertThat(status(due)).isEqualTo("PROCESSING");
    assertThat(status(later)).isEqualTo("RETRY_SCHEDULED");
    assertThat(requestsFor(due)).isEqualTo(1);
    assertThat(requestsFor(later)).isZero();

    clock.advance(Duration.ofHours(1));
    scheduler.maintain(() -> false);
    assertThat(status(later)).isEqualTo("PROCESSING");
    assertThat(requestsFor(later)).isEqualTo(1);
    assertThat(requestsFor(due)).as("not enqueued twice").isEqualTo(1);
  }

  @Test
  void on_the_table_intake_production_and_retries_offer_the_invoice_row_and_write_no_request() {
    var lean = BillingRuns.of(db.jdbi(), clock, settings, new SimpleMeterRegistry(), false);
    dueInvoices(20);
    long retry = retryAt(clock.instant().minusSeconds(60));
    var run = lean.startOrJoin(NOVEMBER, "cli").run();

    assertThat(lean.produce(run).enqueued()).isEqualTo(20);
    assertThat(lean.enqueueRetries()).isEqualTo(1);

    assertThat(count("select count(*) from charge_request")).isZero();
    assertThat(
            count(
                "select count(*) from invoice where status = 'PROCESSING'"
                    + " and charge_available_at is not null and charge_lease_owner is null"))
        .as("every invoice produced or retried is offered on its own row, unleased")
        .isEqualTo(21);
    assertThat(
            count(
                "select count(*) from invoice where status <> 'PROCESSING'"
                    + " and charge_available_at is not null"))
        .as("nothing else is offered")
        .isZero();
    assertThat(status(retry)).isEqualTo("PROCESSING");
  }

  private void dueInvoices(int n) {
    long customer = fixtures.customer(Currency.EUR);
    for (int i = 0; i < n; i++) {
      fixtures.invoice().forCustomer(customer).period(NOVEMBER).create();
    }
    // Not due: one billed for a later period, and a voided one.
    fixtures.invoice().forCustomer(customer).period(NOVEMBER.plusMonths(1)).create();
    fixtures.invoice().forCustomer(customer).period(NOVEMBER).status(InvoiceStatus.VOID).create();
  }

  private long retryAt(Instant at) {
    long id = fixtures.invoice().period(NOVEMBER).status(InvoiceStatus.RETRY_SCHEDULED).create();
    db.jdbi()
        .useHandle(h -> h.execute("update invoice set next_attempt_at = ? where id = ?", at, id));
    return id;
  }

  private void settleAllAsPaid() {
    db.jdbi()
        .useHandle(
            h -> {
              h.execute(
                  "update invoice set status = 'PAID', paid_at = now(), status_reason = 'test' where status = 'PROCESSING'");
              h.execute("delete from charge_request");
            });
  }

  private void assertEveryDueInvoiceEnqueuedOnce(long runId, int due) {
    List<Map<String, Object>> rows =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            """
                            select i.id, i.status, i.billing_run_id, count(r.id) as requests
                            from invoice i left join charge_request r on r.invoice_id = i.id
                            where i.billing_period = '2026-11' and i.status <> 'VOID'
                            group by i.id
                            """)
                        .mapToMap()
                        .list());
    assertThat(rows)
        .hasSize(due)
        .allSatisfy(
            row -> {
              assertThat(row)
                  .containsEntry("status", "PROCESSING")
                  .containsEntry("billing_run_id", runId);
              assertThat(row.get("requests")).isEqualTo(1L);
            });
    assertThat(runs.find(runId).orElseThrow().enqueued()).isEqualTo(due);
    assertThat(count("select count(*) from charge_request")).isEqualTo(due);
  }

  private long count(String sql) {
    return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
  }

  private String status(long id) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select status from invoice where id = :id")
                    .bind("id", id)
                    .mapTo(String.class)
                    .one());
  }

  private long requestsFor(long invoice) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select count(*) from charge_request where invoice_id = :id")
                    .bind("id", invoice)
                    .mapTo(Long.class)
                    .one());
  }
}
