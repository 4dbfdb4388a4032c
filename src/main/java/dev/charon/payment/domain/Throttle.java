package dev.charon.payment.domain;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The provider's "too many requests" (HTTP 429): it processed nothing and asks every caller to slow
 * down, for {@code retryAfter} when it said how long ({@code Retry-After}).
 */
public record Throttle(Optional<Duration> retryAfter) {
  public Throttle {
    Objects.requireNonNull(retryAfter, "retryAfter");
    retryAfter.ifPresent(
        d -> {
          if (d.isNegative()) {
            throw new IllegalArgumentException("retryAfter must not be negative, was " + d);
          }
        });
  }

  /**
   * From a {@code Retry-After} header (null when absent). Delta-seconds only: an HTTP date needs a
   * clock agreed with the provider's, and no provider Charon speaks to sends one on a 429.
   */
  public static Throttle fromRetryAfter(String header) {
    if (header != null && header.strip().matches("\\d{1,6}")) {
      return new Throttle(Optional.of(Duration.ofSeconds(Long.parseLong(header.strip()))));
    }
    return new Throttle(Optional.empty());
  }
}
