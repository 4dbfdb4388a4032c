package dev.charon.billing;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.Task;
import com.github.kagkarlsson.scheduler.task.TaskInstanceId;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.testhelper.ManualScheduler;
import com.github.kagkarlsson.scheduler.testhelper.SettableClock;
import com.github.kagkarlsson.scheduler.testhelper.TestHelper;
import dev.charon.testing.Fixtures;
import dev.charon.testing.MutableClock;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.time.LocalTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The monthly task fires at 00:00 on the 1st in the billing zone, and only then. Pacific/Auckland
 * is 13 hours ahead of UTC in summer: its 1st of December begins at 2026-11-30T11:00Z, while it is
 * still the 30th in UTC, and the UTC 1st is 13:00 on its 1st.
 */
class BillingScheduleTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static final ZoneId AUCKLAND = ZoneId.of("Pacific/Auckland");

  private final Fixtures fixtures = new Fixtures(db.jdbi());
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T09:00:00Z"));
  private final SettableClock schedulerClock = new SettableClock();

  @BeforeEach
  void clean() {
    db.clean();
  }

  @Test
  void the_default_cron_fires_at_midnight_on_the_first_in_the_billing_zone_and_at_no_other_time() {
    var schedule = BillingSettings.defaults().withZone(AUCKLAND).schedule();
    var fires = new ArrayList<Instant>();
    var t = Instant.parse("2026-11-15T00:00:00Z");
    for (int i = 0; i < 12; i++) {
      t = schedule.getNextExecutionTime(ExecutionComplete.simulatedSuccess(t));
      fires.add(t);
    }

    assertThat(fires.getFirst()).isEqualTo(Instant.parse("2026-11-30T11:00:00Z"));
    assertThat(fires)
        .allSatisfy(
            fire -> {
              var local = fire.atZone(AUCKLAND);
              assertThat(local.getDayOfMonth()).isEqualTo(1);
              assertThat(local.toLocalTime()).isEqualTo(LocalTime.MIDNIGHT);
              assertThat(fire.atZone(ZoneOffset.UTC).getDayOfMonth())
                  .as("never on the UTC 1st")
                  .isNotEqualTo(1);
            });
    assertThat(fires.stream().map(fire -> BillingScheduler.periodOf(fire, AUCKLAND)))
        .containsExactly(
            YearMonth.of(2026, 12),
            YearMonth.of(2027, 1),
            YearMonth.of(2027, 2),
            YearMonth.of(2027, 3),
            YearMonth.of(2027, 4),
            YearMonth.of(2027, 5),
            YearMonth.of(2027, 6),
            YearMonth.of(2027, 7),
            YearMonth.of(2027, 8),
            YearMonth.of(2027, 9),
            YearMonth.of(2027, 10),
            YearMonth.of(2027, 11));
  }

  @Test
  void in_utc_the_same_cron_fires_on_the_utc_first() {
    var schedule = BillingSettings.defaults().schedule();
    var next =
        schedule.getNextExecutionTime(
            ExecutionComplete.simulatedSuccess(Instant.parse("2026-11-30T11:00:00Z")));
    assertThat(next).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
  }

  @Test
  void the_period_of_a_fire_time_is_its_month_in_the_billing_zone() {
    var fire = Instant.parse("2026-11-30T12:00:00Z");
    assertThat(BillingScheduler.periodOf(fire, AUCKLAND)).isEqualTo(YearMonth.of(2026, 12));
    assertThat(BillingScheduler.periodOf(fire, ZoneOffset.UTC)).isEqualTo(YearMonth.of(2026, 11));
  }

  @Test
  void
      the_monthly_task_creates_the_run_when_the_first_begins_in_the_zone_and_not_before_or_after() {
    long due = fixtures.invoice().period(YearMonth.of(2026, 11)).create();
    var settings = BillingSettings.defaults().withZone(AUCKLAND);
    var runs = BillingRuns.of(db.jdbi(), clock, settings, new SimpleMeterRegistry());
    var billing = new BillingScheduler(db.dataSource(), runs, settings, clock, "test");
    var scheduler = manual(billing);
    at("2026-11-30T09:00:00Z");
    scheduler.start();
    assertThat(
            scheduler.getScheduledExecution(
                TaskInstanceId.of(BillingScheduler.MONTHLY, RecurringTask.INSTANCE)))
        .hasValueSatisfying(
            e -> assertThat(e.getExecutionTime()).isEqualTo(Instant.parse("2026-11-30T11:00:00Z")));

    at("2026-11-30T10:59:59Z"); // 23:59:59 on the 30th in Auckland
    scheduler.runAnyDueExecutions();
    assertThat(periods()).isEmpty();

    at("2026-11-30T11:00:00Z"); // midnight, 1 December in Auckland; still the 30th in UTC
    scheduler.runAnyDueExecutions();
    assertThat(periods()).containsExactly("2026-12");
    var run =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery("select started_by, cutoff::text from billing_run")
                        .mapToMap()
                        .one());
    assertThat(run).containsEntry("started_by", "schedule").containsEntry("cutoff", "2026-12-01");
    assertThat(invoiceStatus(due)).isEqualTo("PROCESSING");

    at("2026-12-01T00:00:00Z"); // the UTC 1st: 13:00 on the 1st in Auckland, nothing to do
    scheduler.runAnyDueExecutions();
    at("2026-12-31T10:59:59Z");
    scheduler.runAnyDueExecutions();
    assertThat(periods()).containsExactly("2026-12");

    at("2026-12-31T11:00:00Z"); // 1 January in Auckland
    scheduler.runAnyDueExecutions();
    assertThat(periods()).containsExactly("2026-12", "2027-01");
  }

  @Test
  void
      on_a_test_clock_a_fire_time_of_another_period_starts_nothing_and_the_next_comes_from_the_clock() {
    fixtures.invoice().period(YearMonth.of(2027, 6)).create();
    var settings = BillingSettings.defaults();
    // The deployment's clock with CHARON_TEST_CLOCK=true: the database's test_clock row.
    var testClock =
        new dev.charon.clock.DatabaseClock(
            db.jdbi(), java.time.Clock.systemUTC(), java.time.Duration.ZERO);
    var runs = BillingRuns.of(db.jdbi(), testClock, settings, new SimpleMeterRegistry());
    var billing =
        new BillingScheduler(
            db.dataSource(), runs, settings, testClock, testClock::frozen, "test-clock");
    var scheduler = manual(billing);
    // Started while time was real: the monthly task is stored for the next real 1st.
    schedulerClock.set(Instant.parse("2026-12-01T09:00:00Z"));
    scheduler.start();
    assertThat(monthlyAt(scheduler)).isEqualTo(Instant.parse("2027-01-01T00:00:00Z"));

    // Frozen in June 2027 (the scheduler reads the same clock): January's fire time is due.
    db.jdbi()
        .useHandle(h -> h.execute("insert into test_clock (now) values ('2027-06-10T12:00:00Z')"));
    schedulerClock.set(testClock.instant());
    scheduler.runAnyDueExecutions();
    assertThat(periods()).as("no run for January while the clock says June").isEmpty();
    assertThat(monthlyAt(scheduler))
        .as("the next fire time reckoned from the test clock")
        .isEqualTo(Instant.parse("2027-07-01T00:00:00Z"));

    // Advanced to the 1st of July: the fire time is the clock's period, and its run starts.
    db.jdbi()
        .useHandle(h -> h.execute("update test_clock set now = '2027-07-01T00:00:00Z' where id"));
    schedulerClock.set(testClock.instant());
    scheduler.runAnyDueExecutions();
    assertThat(periods()).containsExactly("2027-07");
  }

  @Test
  void in_real_time_a_late_fire_still_bills_its_own_period() {
    var settings = BillingSettings.defaults();
    var runs = BillingRuns.of(db.jdbi(), clock, settings, new SimpleMeterRegistry());
    var scheduler =
        manual(
            new BillingScheduler(
                db.dataSource(), runs, settings, clock, java.util.Optional::empty, "real-time"));
    at("2026-12-01T09:00:00Z");
    scheduler.start();
    at("2027-02-03T08:00:00Z"); // down over the 1st of January and February
    scheduler.runAnyDueExecutions();
    assertThat(periods()).containsExactly("2027-01");
  }

  private static Instant monthlyAt(ManualScheduler scheduler) {
    return scheduler
        .getScheduledExecution(TaskInstanceId.of(BillingScheduler.MONTHLY, RecurringTask.INSTANCE))
        .orElseThrow()
        .getExecutionTime();
  }

  private ManualScheduler manual(BillingScheduler billing) {
    return TestHelper.createManualScheduler(db.dataSource(), List.<Task<?>>of())
        .clock(schedulerClock)
        .startTasks(billing.tasks())
        .build();
  }

  private void at(String instant) {
    var t = Instant.parse(instant);
    clock.set(t);
    schedulerClock.set(t);
  }

  private List<String> periods() {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select period from billing_run order by period")
                    .mapTo(String.class)
                    .list());
  }

  private String invoiceStatus(long id) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select status from invoice where id = :id")
                    .bind("id", id)
                    .mapTo(String.class)
                    .one());
  }
}
