package dev.charon.charging.domain;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Stops calling a provider that keeps failing. Closed: calls flow; after {@code threshold}
 * consecutive failures it opens for {@code cooldown}; then one trial call is let through
 * (half-open) and its result closes or re-opens it. Thread-safe; one per worker process.
 */
public final class CircuitBreaker {
  private final int threshold;
  private final Duration cooldown;
  private final Clock clock;
  private int consecutiveFailures;
  private Instant openUntil;
  private boolean trialInFlight;

  public CircuitBreaker(int threshold, Duration cooldown, Clock clock) {
    if (threshold < 1) {
      throw new IllegalArgumentException("threshold must be >= 1");
    }
    this.threshold = threshold;
    this.cooldown = cooldown;
    this.clock = clock;
  }

  /** Empty when a call may proceed; otherwise the time after which to ask again. */
  public synchronized Optional<Instant> tryAcquire() {
    if (openUntil == null) {
      return Optional.empty();
    }
    var now = clock.instant();
    if (now.isBefore(openUntil) || trialInFlight) {
      return Optional.of(now.isBefore(openUntil) ? openUntil : now.plus(cooldown));
    }
    trialInFlight = true;
    return Optional.empty();
  }

  /**
   * How much longer the breaker stays open, on its (injected) clock; empty when it is not open. On
   * a frozen test clock this does not shrink until the clock is advanced.
   */
  public synchronized Optional<java.time.Duration> openFor() {
    var now = clock.instant();
    return openUntil != null && now.isBefore(openUntil)
        ? Optional.of(java.time.Duration.between(now, openUntil))
        : Optional.empty();
  }

  public synchronized void onSuccess() {
    consecutiveFailures = 0;
    openUntil = null;
    trialInFlight = false;
  }

  public synchronized void onFailure() {
    consecutiveFailures++;
    if (trialInFlight || consecutiveFailures >= threshold) {
      openUntil = clock.instant().plus(cooldown);
    }
    trialInFlight = false;
  }

  /** Calls flow freely: neither open nor half-open (waiting for, or making, its trial call). */
  public synchronized boolean isClosed() {
    return openUntil == null;
  }
}
