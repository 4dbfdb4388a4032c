package dev.charon.cli;

import dev.charon.app.WorkerRole;
import dev.charon.billing.BillingRuns;
import dev.charon.billing.BillingSettings;
import dev.charon.billing.domain.BillingPeriods;
import dev.charon.billing.domain.BillingRun;
import dev.charon.charging.ChargeWorker;
import dev.charon.charging.ChargingSettings;
import dev.charon.clock.TestClock;
import dev.charon.clock.TestClockSettings;
import dev.charon.config.ConfigException;
import dev.charon.config.DatabaseSettings;
import dev.charon.config.Env;
import dev.charon.db.Database;
import dev.charon.db.DatabaseException;
import dev.charon.payment.PaymentProviders;
import dev.charon.payment.PaymentSettings;
import dev.charon.queue.QueueSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.jdbi.v3.core.JdbiException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "bill",
    description = {
      "Start (or resume) the billing run for a period, follow it to the end, print a summary.",
      "Exit 0 when the run finished (declines are outcomes, not errors), 2 when it could not run."
    })
final class BillCommand implements Callable<Integer> {
  static final Duration TTY_REFRESH = Duration.ofMillis(250);
  static final Duration PLAIN_REFRESH = Duration.ofSeconds(2);
  private static final Duration STALL_HINT_AFTER = Duration.ofSeconds(30);

  @Option(
      names = "--period",
      paramLabel = "YYYY-MM",
      description = "Period to bill (default: this month in CHARON_BILLING_ZONE).")
  String period;

  @Option(
      names = "--workers",
      paramLabel = "N",
      description =
          "Charges this process makes at once through in-process workers (default: CHARON_WORKER_CONCURRENCY when"
              + " the database is embedded, else 0: 'charon worker' processes do the charging).")
  Integer workers;

  @Spec CommandSpec spec;

  private final Env env;
  private final Clock clock;
  private final boolean tty;
  private final Duration refresh;

  BillCommand() {
    this(Env.system(), null, System.console() != null, null);
  }

  /**
   * For tests: the environment, clock, terminal mode and refresh interval to use. A null clock is
   * the deployment's: the database's test clock with {@code CHARON_TEST_CLOCK=true}, else real
   * time.
   */
  BillCommand(Env env, Clock clock, boolean tty, Duration refresh) {
    this.env = env;
    this.clock = clock;
    this.tty = tty;
    this.refresh = refresh != null ? refresh : tty ? TTY_REFRESH : PLAIN_REFRESH;
  }

  @Override
  public Integer call() throws InterruptedException {
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    try {
      var settings = BillingSettings.from(env);
      var charging = ChargingSettings.from(env);
      if (workers != null && workers < 0) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--workers must be >= 0, was " + workers);
      }
      var testClock = TestClockSettings.from(env);
      // Usage errors first: they need no database, unless "now" is the database's test clock.
      var early = clock != null ? clock : testClock.enabled() ? null : Clock.systemUTC();
      var requested = early == null ? null : period(YearMonth.now(early.withZone(settings.zone())));
      try (var db = Database.open(DatabaseSettings.from(env), "bill")) {
        db.migrate();
        var clock = this.clock != null ? this.clock : TestClock.clockFor(db.jdbi(), testClock);
        var target =
            requested != null ? requested : period(YearMonth.now(clock.withZone(settings.zone())));
        var metrics = new SimpleMeterRegistry();
        var runs = BillingRuns.of(db.jdbi(), clock, settings, metrics);
        int slots =
            workers != null ? workers : db.embedded().isPresent() ? charging.concurrency() : 0;
        ChargeWorker worker = null;
        if (slots > 0) {
          var provider = PaymentProviders.create(PaymentSettings.from(env), clock, metrics, slots);
          worker =
              WorkerRole.start(
                  db,
                  QueueSettings.from(env),
                  charging.withConcurrency(slots),
                  provider,
                  clock,
                  metrics);
        }
        try {
          return bill(runs, target, slots, out, err, clock);
        } finally {
          if (worker != null) {
            worker.close(); // drains: charges in flight finish, the rest is handed back
          }
        }
      }
    } catch (ConfigException | DatabaseException e) {
      err.println("charon bill: " + e.getMessage());
      err.flush();
      return 2;
    } catch (JdbiException e) { // the database went away mid-run: nothing is lost, it resumes
      err.println(
          System.lineSeparator()
              + "charon bill: database error: "
              + e.getMessage()
              + (period != null
                  ? "; run 'charon bill --period " + period + "' again to resume"
                  : "; run 'charon bill' again to resume"));
      err.flush();
      return 2;
    }
  }

  private YearMonth period(YearMonth current) {
    if (period == null) {
      return current;
    }
    try {
      return BillingPeriods.parse(period, current);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--period: " + e.getMessage());
    }
  }

  private int bill(
      BillingRuns runs, YearMonth target, int slots, PrintWriter out, PrintWriter err, Clock clock)
      throws InterruptedException {
    var hints = slots == 0 ? err : null;
    var how =
        slots > 0
            ? "charging in-process, " + slots + " at a time"
            : "charging by 'charon worker' processes";
    var outcome =
        startAndFollow(
            runs, target, "cli", how, new BillProgress(out, tty), out, hints, refresh, clock);
    if (outcome instanceof Failed failed) {
      err.println(
          "charon bill: "
              + failed.message()
              + "; run 'charon bill --period "
              + target
              + "' again to resume it");
      err.flush();
      return 2;
    }
    return 0;
  }

  /** How following a run ended. */
  sealed interface Outcome permits Finished, Failed {}

  record Finished(long runId) implements Outcome {}

  record Failed(String message) implements Outcome {}

  /**
   * Starts or joins the run of {@code target}, produces it on a virtual thread while showing its
   * progress, and prints the summary once it is finished. Shared by {@code bill} and {@code demo}.
   */
  static Outcome startAndFollow(
      BillingRuns runs,
      YearMonth target,
      String startedBy,
      String how,
      BillProgress progress,
      PrintWriter out,
      PrintWriter hints,
      Duration refresh,
      Clock clock)
      throws InterruptedException {
    var started = runs.startOrJoin(target, startedBy);
    var run = started.run();
    if (started.created()) {
      out.printf(
          "started billing run %d for %s (cut-off %s)%n", run.id(), run.period(), run.cutoff());
    } else {
      out.printf(
          "resuming billing run %d for %s (%s, started by %s at %s)%n",
          run.id(), run.period(), run.state(), run.startedBy(), run.startedAt());
    }
    out.println(how);
    out.flush();
    // Produce while following, so the bar moves from the first batch on.
    var producer =
        CompletableFuture.supplyAsync(
            () -> runs.produce(run), task -> Thread.ofVirtual().name("bill-producer").start(task));
    if (!follow(runs, run.id(), producer, progress, refresh, clock, hints)) {
      return new Failed("producing run " + run.id() + " failed: " + failure(producer));
    }
    var last = runs.progress(run.id());
    // The run's own figures: a resumed run may have sat for hours since it started.
    progress.summary(last, runs.chargeTiming(run.id()).orElse(null));
    return new Finished(run.id());
  }

  /**
   * Shows the run's progress every {@code refresh} until it is finished; false if the producer
   * failed first. With {@code hints} set, says so when nothing settles for a while (no workers?).
   */
  static boolean follow(
      BillingRuns runs,
      long runId,
      CompletableFuture<BillingRun> producer,
      BillProgress progress,
      Duration refresh,
      Clock clock,
      PrintWriter hints)
      throws InterruptedException {
    var watchStart = clock.instant();
    long settledAtStart = -1;
    long lastSettled = -1;
    var lastChange = watchStart;
    boolean hinted = false;
    while (true) {
      if (producer.isCompletedExceptionally()) {
        return false;
      }
      boolean finished = producer.isDone() && runs.finishIfDone(runId);
      // Progress reads the invoice tallies; fold their deltas here too, for a run without a server.
      runs.tallies().compactIfDue();
      var p = runs.progress(runId);
      var now = clock.instant();
      if (settledAtStart < 0) {
        settledAtStart = p.settled();
      }
      if (p.settled() != lastSettled) {
        lastSettled = p.settled();
        lastChange = now;
      }
      double watched = Duration.between(watchStart, now).toMillis() / 1000.0;
      double rate = watched > 0 ? (p.settled() - settledAtStart) / watched : 0;
      progress.update(p, rate, p.run().elapsed(now));
      if (finished) {
        return true;
      }
      if (hints != null
          && !hinted
          && p.inFlight() > 0
          && Duration.between(lastChange, now).compareTo(STALL_HINT_AFTER) >= 0) {
        hints.println(
            System.lineSeparator()
                + "nothing settled for "
                + STALL_HINT_AFTER.toSeconds()
                + " s: are charge workers running? ('charon worker', or 'charon bill --workers N')");
        hints.flush();
        hinted = true;
      }
      Thread.sleep(refresh.toMillis()); // the progress display's refresh interval
    }
  }

  private static String failure(CompletableFuture<?> producer) {
    try {
      producer.get();
      return "unknown";
    } catch (ExecutionException e) {
      return e.getCause().getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }
}
