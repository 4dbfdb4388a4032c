package dev.charon.billing;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.task.ExecutionContext;
import com.github.kagkarlsson.scheduler.task.FailureHandler;
import com.github.kagkarlsson.scheduler.task.Task;
import com.github.kagkarlsson.scheduler.task.TaskInstanceId;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.Schedules;
import dev.charon.billing.domain.BillingRun;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persistent, cluster-aware scheduler (db-scheduler over table {@code scheduled_tasks}) with
 * two recurring tasks. Every server may run one; each fire time executes on exactly one of them
 * (the row is picked with an optimistic version check), and even if two did run the same execution,
 * the unique run per period and {@code SKIP LOCKED} production make that harmless.
 *
 * <ul>
 *   <li>{@value #MONTHLY}: on the billing cron, in the billing zone. Creates (or joins) the run of
 *       the period the fire time falls in, in that zone, and produces it.
 *   <li>{@value #MAINTENANCE}: every {@code CHARON_RETRY_POLL}. Adopts the provider's charges the
 *       database forgot (issue 27, when the server was given one: {@link #reconcilingFirst}), folds
 *       the invoice tallies' deltas ({@code dev.charon.invoice.Tallies}), resumes what a crashed or
 *       stopped producer left, finishes runs with nothing in flight, and enqueues retries whose
 *       time has come (dunning and network-error backoff), so retries do not wait for the next
 *       month.
 * </ul>
 */
public final class BillingScheduler implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BillingScheduler.class);

  public static final String MONTHLY = "monthly-billing";
  public static final String MAINTENANCE = "billing-maintenance";

  /*
   * Crash detection. Each running execution's heartbeat is written every HEARTBEAT; an execution
   * whose heartbeat is MISSED_HEARTBEATS intervals old (20 s) is dead, and the dead-execution check
   * (every 2 x HEARTBEAT) of a surviving server revives it: a producer killed mid-run is resumed
   * within about 30 s (the maintenance task usually gets there first, within CHARON_RETRY_POLL).
   * Aggressive on purpose: a false "dead" (a 20 s GC or network stall) only means a second producer
   * on the same run, which is idempotent. 4 is the smallest limit db-scheduler accepts.
   */
  static final Duration HEARTBEAT = Duration.ofSeconds(5);
  static final int MISSED_HEARTBEATS = 4;
  // Producers check for shutdown between batches, so a stop normally takes one batch (< 1 s).
  // db-scheduler waits up to twice this for running executions: 20 s stays inside Kubernetes'
  // default 30 s grace period, so a normal deploy leaves no dead execution behind.
  static final Duration SHUTDOWN_MAX_WAIT = Duration.ofSeconds(10);
  static final Duration POLLING_INTERVAL = Duration.ofSeconds(5);
  // A failed monthly execution (database down at midnight) is retried soon, not next month.
  static final Duration MONTHLY_RETRY = Duration.ofMinutes(1);

  private final BillingRuns runs;
  private final BillingSettings settings;
  private final Supplier<Optional<Instant>> testClock;
  private final RecurringTask<Void> monthly;
  private final RecurringTask<Void> maintenance;
  private final Scheduler scheduler;
  // Issue 27: adopting the provider's charges comes first, before retries are enqueued.
  private volatile java.util.function.Consumer<BooleanSupplier> reconciliation = stop -> {};

  public BillingScheduler(
      DataSource dataSource, BillingRuns runs, BillingSettings settings, Clock clock, String name) {
    this(dataSource, runs, settings, clock, Optional::empty, name);
  }

  /**
   * {@code clock} is the deployment's (with {@code CHARON_TEST_CLOCK=true}, the database's test
   * clock): fire times come due on it, and each next fire time is reckoned from it. {@code
   * testClock} answers the test clock's instant while one is set: then a fire time outside the test
   * clock's period (one stored while time was real, say) starts nothing; the advance starts each
   * period's run on its 1st.
   */
  public BillingScheduler(
      DataSource dataSource,
      BillingRuns runs,
      BillingSettings settings,
      Clock clock,
      Supplier<Optional<Instant>> testClock,
      String name) {
    this(dataSource, runs, settings, clock, testClock, name, List.of());
  }

  /**
   * With {@code more} recurring tasks of other features (the standing audit) on the same
   * cluster-wide scheduler: one table, one poller, one instance runs each execution.
   */
  public BillingScheduler(
      DataSource dataSource,
      BillingRuns runs,
      BillingSettings settings,
      Clock clock,
      Supplier<Optional<Instant>> testClock,
      String name,
      List<RecurringTask<?>> more) {
    this.runs = runs;
    this.settings = settings;
    this.testClock = testClock;
    this.monthly =
        Tasks.recurring(MONTHLY, settings.schedule())
            .onFailure(new FailureHandler.OnFailureRetryLater<>(MONTHLY_RETRY))
            .onDeadExecutionRevive()
            .execute((instance, ctx) -> fire(ctx.getExecution().executionTime, stopRequested(ctx)));
    this.maintenance =
        Tasks.recurring(MAINTENANCE, Schedules.fixedDelay(settings.retryPoll()))
            .onDeadExecutionRevive()
            .execute((instance, ctx) -> maintain(stopRequested(ctx)));
    // startTasks both registers the tasks and schedules their first execution (if none is stored).
    var recurring = new java.util.ArrayList<RecurringTask<?>>(List.of(monthly, maintenance));
    recurring.addAll(more);
    this.scheduler =
        Scheduler.create(dataSource, List.<Task<?>>of())
            .startTasks(recurring)
            .clock(clock::instant)
            .schedulerName(new SchedulerName.Fixed(name))
            .threads(2)
            .pollUsingLockAndFetch(0.5, 1.0)
            .pollingInterval(POLLING_INTERVAL)
            .heartbeatInterval(HEARTBEAT)
            .missedHeartbeatsLimit(MISSED_HEARTBEATS)
            .shutdownMaxWait(SHUTDOWN_MAX_WAIT)
            .build();
  }

  /** The recurring tasks, for a scheduler driven by hand in tests. */
  List<RecurringTask<Void>> tasks() {
    return List.of(monthly, maintenance);
  }

  /** A scheduler name unique per process, shown in {@code scheduled_tasks.picked_by}. */
  public static String defaultName() {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      host = "unknown-host";
    }
    return "billing-" + host + "-" + ProcessHandle.current().pid();
  }

  /** The billing period of a monthly fire time: its month in the billing zone. */
  public static YearMonth periodOf(Instant fireTime, ZoneId zone) {
    return YearMonth.from(fireTime.atZone(zone));
  }

  /**
   * A monthly fire time come due. In real time a late fire (the cluster was down at midnight) still
   * bills its own period. On a test clock only a fire in the test clock's period starts a run: one
   * for another period (stored from real time before the clock was frozen, or left behind by a jump
   * of several months) is skipped, as the advance already started each period's run on its 1st; the
   * next fire time is reckoned from the test clock.
   */
  void fire(Instant fireTime, BooleanSupplier stopRequested) {
    var frozen = testClock.get();
    if (frozen.isPresent()) {
      var clockPeriod = periodOf(frozen.get(), settings.zone());
      var firePeriod = periodOf(fireTime, settings.zone());
      if (!clockPeriod.equals(firePeriod)) {
        log.info(
            "monthly billing fire time {} (period {}) skipped: the test clock is at {}, period {}",
            fireTime,
            firePeriod,
            frozen.get(),
            clockPeriod);
        return;
      }
    }
    runMonthly(fireTime, stopRequested);
  }

  /** The monthly task's work for one fire time; safe to run any number of times, concurrently. */
  public BillingRun runMonthly(Instant fireTime, BooleanSupplier stopRequested) {
    var period = periodOf(fireTime, settings.zone());
    log.info(
        "monthly billing fired for {} (fire time {}, zone {})", period, fireTime, settings.zone());
    var started = runs.startOrJoin(period, "schedule");
    var run = runs.produce(started.run(), stopRequested);
    if (run.state() == BillingRun.State.CHARGING) {
      runs.finishIfDone(run.id());
    }
    return run;
  }

  /**
   * The maintenance task's work: fold the invoice tallies' deltas, resume unfinished runs, then
   * enqueue due retries.
   */
  public void maintain(BooleanSupplier stopRequested) {
    reconciliation.accept(stopRequested);
    runs.compactTallies();
    runs.resumeUnfinished(stopRequested);
    if (!stopRequested.getAsBoolean()) {
      runs.enqueueRetries(stopRequested);
    }
    for (var step : extraSteps) {
      if (stopRequested.getAsBoolean()) {
        return;
      }
      // Another feature's step (the provider backstop) must not stop billing's own work.
      try {
        step.work().run();
      } catch (RuntimeException e) {
        log.warn("maintenance step '{}' failed; it runs again next time", step.name(), e);
      }
    }
  }

  private record Step(String name, Runnable work) {}

  private final List<Step> extraSteps = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Runs {@code work} at the end of every maintenance execution (before {@link #start}). */
  public BillingScheduler alsoMaintaining(String name, Runnable work) {
    extraSteps.add(new Step(name, work));
    return this;
  }

  /**
   * Runs {@code step} first in every maintenance run: the provider's charges the database forgot
   * are adopted before retries are enqueued ({@code reconcile.Reconciliation}).
   */
  public BillingScheduler reconcilingFirst(java.util.function.Consumer<BooleanSupplier> step) {
    this.reconciliation = step;
    return this;
  }

  public BillingScheduler start() {
    scheduler.start();
    log.info(
        "billing scheduler started: '{}' in {}, maintenance every {} s",
        settings.cron(),
        settings.zone(),
        settings.retryPoll().toSeconds());
    return this;
  }

  /** Readiness: the scheduler is polling (started and not shutting down). */
  public boolean running() {
    var state = scheduler.getSchedulerState();
    return state.isStarted() && !state.isShuttingDown();
  }

  /** Stops polling and waits (up to 2 x {@link #SHUTDOWN_MAX_WAIT}) for executions to return. */
  public void stop() {
    scheduler.stop();
  }

  @Override
  public void close() {
    stop();
  }

  /** Asks every instance of the cluster to look for due work now, not at the next poll. */
  public void triggerCheck() {
    scheduler.triggerCheckForDueExecutions();
  }

  /** When the monthly task fires next, as stored in the database. */
  public java.util.Optional<Instant> nextMonthlyExecution() {
    return scheduler
        .getScheduledExecution(TaskInstanceId.of(MONTHLY, RecurringTask.INSTANCE))
        .map(e -> e.getExecutionTime());
  }

  private static BooleanSupplier stopRequested(ExecutionContext ctx) {
    return () -> ctx.getSchedulerState().isShuttingDown() || Thread.currentThread().isInterrupted();
  }
}
