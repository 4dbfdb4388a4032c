package dev.charon.cli;

import dev.charon.app.BillProgress;
import dev.charon.app.BillRole;
import dev.charon.app.RunFollow;
import dev.charon.billing.BillingRuns;
import dev.charon.billing.BillingSettings;
import dev.charon.billing.domain.BillingPeriods;
import dev.charon.config.ConfigException;
import dev.charon.config.Env;
import dev.charon.db.DatabaseException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import java.util.Optional;
import java.util.concurrent.Callable;
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
      if (workers != null && workers < 0) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--workers must be >= 0, was " + workers);
      }
      var role = BillRole.Settings.from(env);
      // Usage errors first: they need no database, unless "now" is the database's test clock.
      var early = clock != null ? clock : role.testClock().enabled() ? null : Clock.systemUTC();
      var requested = early == null ? null : period(YearMonth.now(early.withZone(settings.zone())));
      try (var bill =
          BillRole.start(
              role,
              Optional.ofNullable(clock),
              Optional.ofNullable(workers),
              new SimpleMeterRegistry())) {
        var now = bill.clock();
        var target =
            requested != null ? requested : period(YearMonth.now(now.withZone(settings.zone())));
        return bill(bill.runs(), target, bill.slots(), out, err, now);
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
        RunFollow.startAndFollow(
            runs, target, "cli", how, new BillProgress(out, tty), out, hints, refresh, clock);
    if (outcome instanceof RunFollow.Failed failed) {
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
}
