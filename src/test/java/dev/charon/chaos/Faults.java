package dev.charon.chaos;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * The faults of one scenario, each counted only once verified to have happened: a fault throws
 * {@link FaultNotVerified} (or anything else) when its evidence is missing, and is then recorded as
 * not struck instead of ending the scenario before its row is written. Whether work was outstanding
 * is read after the fault lands, so a fault that met an idle system is not mid-run.
 */
final class Faults {
  /** A fault: does its damage and checks that it happened, throwing if it did not. */
  @FunctionalInterface
  interface Fault {
    void strike();
  }

  private final Random random;
  private final int invoices;
  private final LongSupplier charged;
  private final LongSupplier outstanding;
  private final Duration placementTimeout;
  private final Map<String, Long> evidence = new LinkedHashMap<>();
  private final List<String> unverified = new ArrayList<>();
  private int struck;
  private int midRun;

  /**
   * @param charged invoices of the run that have an outcome so far (places faults in the run)
   * @param outstanding work still to do: charge requests left and messages in the broker's queue
   */
  Faults(
      Random random,
      int invoices,
      LongSupplier charged,
      LongSupplier outstanding,
      Duration placementTimeout) {
    this.random = random;
    this.invoices = invoices;
    this.charged = charged;
    this.outstanding = outstanding;
    this.placementTimeout = placementTimeout;
  }

  /**
   * Fault {@code round} of {@code rounds} strikes at a random point of its share of the first 90%
   * of the run, measured in invoices charged, so the faults spread over the whole run.
   */
  void strike(int round, int rounds, Fault fault) {
    if (placed(round, rounds)) {
      strike(fault);
    }
  }

  /**
   * A fault whose effect lasts (a drain, a restart): it reads itself whether work was outstanding
   * once it landed (the signal delivered), before it waits for its verification.
   */
  @FunctionalInterface
  interface LastingFault {
    boolean strikeAndTellIfWorkWasOutstanding();
  }

  /** As {@link #strike(int, int, Fault)}, for a fault that reads work outstanding itself. */
  void strike(int round, int rounds, LastingFault fault) {
    if (!placed(round, rounds)) {
      return;
    }
    boolean outstandingWhenLanded;
    try {
      outstandingWhenLanded = fault.strikeAndTellIfWorkWasOutstanding();
    } catch (RuntimeException | AssertionError e) {
      unverified.add(
          "fault " + (struck + unverified.size() + 1) + " not verified: " + e.getMessage());
      return;
    }
    struck(outstandingWhenLanded);
  }

  /** Waits until the run reaches fault {@code round}'s place; false (recorded) if it never does. */
  private boolean placed(int round, int rounds) {
    long target = (long) (invoices * 0.9 * (round + random.nextDouble()) / rounds);
    try {
      await("run charged " + target + " of " + invoices + " invoices")
          .atMost(placementTimeout)
          .pollInterval(Duration.ofMillis(20))
          .until(() -> charged.getAsLong() >= target);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      unverified.add(
          "fault "
              + (round + 1)
              + " never struck: the run did not reach "
              + target
              + " charged in "
              + placementTimeout);
      return false;
    }
    return true;
  }

  /**
   * Strikes now; counts it as struck only if it verified itself, mid-run only if work was left
   * after it.
   */
  void strike(Fault fault) {
    try {
      fault.strike();
    } catch (RuntimeException | AssertionError e) {
      unverified.add(
          "fault " + (struck + unverified.size() + 1) + " not verified: " + e.getMessage());
      return;
    }
    struck(outstanding.getAsLong() > 0);
  }

  /** A fault verified by the caller, which also read whether work was outstanding after it. */
  void struck(boolean workOutstandingAfter) {
    struck++;
    if (workOutstandingAfter) {
      midRun++;
    }
  }

  /**
   * A scenario step that broke before its fault could strike: the scenario fails, its row is still
   * written.
   */
  void failed(String why) {
    unverified.add(why);
  }

  /** Keeps a fault's measured effect (backends terminated, connections closed) for the report. */
  long evidence(String what, long count) {
    evidence.merge(what, count, Long::sum);
    return count;
  }

  int struck() {
    return struck;
  }

  int midRun() {
    return midRun;
  }

  List<String> unverified() {
    return List.copyOf(unverified);
  }

  /** "12 backends terminated, 3 PostgreSQL restarts" or "-". */
  String evidence() {
    if (evidence.isEmpty()) {
      return "-";
    }
    var parts = new ArrayList<String>();
    evidence.forEach((what, n) -> parts.add(n + " " + what));
    return String.join(", ", parts);
  }

  /** "mid-run/struck", with the faults that could not be verified as "+n unverified". */
  @Override
  public String toString() {
    return midRun
        + "/"
        + struck
        + (unverified.isEmpty() ? "" : " +" + unverified.size() + " unverified");
  }
}
