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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A deploy (SIGTERM → stop) mid-production leaves no dead execution and a resumable run. */
class BillingSchedulerStopTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static final Instant FIRE_TIME = Instant.parse("2026-12-01T00:00:00Z");

  private final Fixtures fixtures = new Fixtures(db.jdbi());
  private final MutableClock clock = new MutableClock(FIRE_TIME.minusSeconds(30));
  private final BillingSettings settings = BillingSettings.defaults().withBatchSize(5);

  @Test
  void maintenance_runs_the_extra_steps_and_a_failing_one_stops_neither_billing_nor_the_others() {
    db.clean();
    var runs = BillingRuns.of(db.jdbi(), clock, settings, new SimpleMeterRegistry());
    var ran = new java.util.concurrent.atomic.AtomicInteger();
    var scheduler =
        new BillingScheduler(db.dataSource(), runs, settings, clock, "steps")
            .alsoMaintaining(
                "broken",
                () -> {
                  throw new IllegalStateException("provider unreachable");
                })
            .alsoMaintaining("counting", ran::incrementAndGet);

    scheduler.maintain(() -> false);
    scheduler.maintain(() -> true);

    org.assertj.core.api.Assertions.assertThat(ran).hasValue(1);
  }

  @Test
  void stopping_mid_run_finishes_the_batch_releases_the_execution_and_the_run_resumes_elsewhere()
      throws Exception {
    db.clean();
    long customer = fixtures.customer(Currency.EUR);
    for (int i = 0; i < 20; i++) {
      fixtures.invoice().forCustomer(customer).period(YearMonth.of(2026, 11)).create();
    }
    var runs = BillingRuns.of(db.jdbi(), clock, settings, new SimpleMeterRegistry());
    var scheduler =
        new BillingScheduler(db.dataSource(), runs, settings, clock, "deploying").start();

    long waiting;
    try (var finisher = db.jdbi().open()) {
      // Hold run 1's lock exclusively, as finishing it would: producer batches wait (the monthly
      // execution, and the maintenance task resuming the same run).
      finisher.begin();
      assertThat(RunLock.tryExclusiveInTransaction(finisher, 1)).isTrue();
      clock.set(FIRE_TIME.plusSeconds(1));
      scheduler.triggerCheck();
      await().atMost(Duration.ofSeconds(30)).until(() -> waitingForAdvisoryLock() >= 1);

      var stopping = Thread.ofPlatform().start(scheduler::stop);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  stopping.getState() == Thread.State.TIMED_WAITING
                      || stopping.getState() == Thread.State.WAITING);
      // Each producer waiting now (the monthly execution, and the maintenance task if it got that
      // far) finishes the one batch it holds, then sees the shutdown.
      waiting = waitingForAdvisoryLock();
      finisher.commit();
      stopping.join(Duration.ofSeconds(30));
      assertThat(stopping.isAlive()).as("stop returned within its limit").isFalse();
    }

    assertThat(count("select count(*) from scheduled_tasks where picked"))
        .as("no execution left picked (dead)")
        .isZero();
    var cut = runs.find(1).orElseThrow();
    assertThat(cut.state()).isEqualTo(BillingRun.State.PRODUCING);
    // Each waiting producer (at most the two) completed the whole batch it held, and none began
    // another: whole batches of 5, at least one per producer seen waiting, and the run was cut.
    assertThat(cut.enqueued() % 5).as("whole batches only").isZero();
    assertThat(cut.enqueued()).isGreaterThanOrEqualTo(5 * waiting).isLessThanOrEqualTo(10);

    // Another server's maintenance task continues it.
    new BillingScheduler(db.dataSource(), runs, settings, clock, "other").maintain(() -> false);
    var resumed = runs.find(1).orElseThrow();
    assertThat(resumed.state()).isEqualTo(BillingRun.State.CHARGING);
    assertThat(resumed.enqueued()).isEqualTo(20);
    assertThat(count("select count(*) from charge_request")).isEqualTo(20);
  }

  private long waitingForAdvisoryLock() {
    return count(
        """
        select count(*) from pg_locks
        where locktype = 'advisory' and not granted
          and database = (select oid from pg_database where datname = current_database())
        """);
  }

  private long count(String sql) {
    return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
  }
}
