package dev.charon.chaos;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a run to settle. A wait that times out is a result, not something to carry on from: the
 * scenario writes its row with it and then fails.
 */
record Settle(boolean settled, Duration waited, String lastState) {

  static Settle await(
      Duration timeout, Duration poll, BooleanSupplier done, Supplier<String> state) {
    long started = System.nanoTime();
    long deadline = started + timeout.toNanos();
    while (true) {
      boolean finished;
      try {
        finished = done.getAsBoolean();
      } catch (RuntimeException e) {
        finished = false; // a database restarting under the check: ask again
      }
      if (finished) {
        return new Settle(true, Duration.ofNanos(System.nanoTime() - started), "");
      }
      if (System.nanoTime() >= deadline) {
        String last;
        try {
          last = state.get();
        } catch (RuntimeException e) {
          last = "state unreadable: " + e.getMessage();
        }
        return new Settle(false, Duration.ofNanos(System.nanoTime() - started), last);
      }
      try {
        Thread.sleep(poll.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Settle(false, Duration.ofNanos(System.nanoTime() - started), "interrupted");
      }
    }
  }

  /** For the report: "yes" or "NO (timed out after 240 s: ...)". */
  String describe() {
    return settled
        ? "yes"
        : "NO (timed out after %d s: %s)".formatted(waited.toSeconds(), lastState);
  }
}
