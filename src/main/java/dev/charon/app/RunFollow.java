package dev.charon.app;

import dev.charon.billing.BillingRuns;
import dev.charon.billing.domain.BillingRun;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** Starting a billing run and following it to its end, as {@code bill} and {@code demo} show it. */
public final class RunFollow {
  private static final Duration STALL_HINT_AFTER = Duration.ofSeconds(30);

  private RunFollow() {}

  /** How following a run ended. */
  public sealed interface Outcome permits Finished, Failed {}

  public record Finished(long runId) implements Outcome {}

  public record Failed(String message) implements Outcome {}

  /**
   * Starts or joins the run of {@code target}, produces it on a virtual thread while showing its
   * progress, and prints the summary once it is finished. Shared by {@code bill} and {@code demo}.
   */
  public static Outcome startAndFollow(
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
