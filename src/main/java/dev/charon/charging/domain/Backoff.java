package dev.charon.charging.domain;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with full jitter, capped: the n-th retry waits a random time in [base *
 * 2^(n-1) / 2, base * 2^(n-1)], never more than {@code max}. Jitter spreads a herd of failed
 * charges so a recovering provider is not hit by all of them at once.
 */
public record Backoff(Duration base, Duration max) {
  public Backoff {
    if (base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
      throw new IllegalArgumentException("backoff needs 0 < base <= max");
    }
  }

  public Duration delay(int retry, DoubleSupplier random) {
    int exponent = Math.min(Math.max(retry - 1, 0), 30);
    long ceiling = Math.min(max.toMillis(), base.toMillis() << exponent);
    long floor = ceiling / 2;
    return Duration.ofMillis(floor + (long) (random.getAsDouble() * (ceiling - floor)));
  }
}
