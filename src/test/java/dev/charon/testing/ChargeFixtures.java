package dev.charon.testing;

import dev.charon.charging.domain.Backoff;
import dev.charon.charging.domain.ChargePolicy;
import dev.charon.charging.domain.CircuitBreaker;
import java.time.Clock;
import java.time.Duration;

/**
 * The engine's parts as tests use them, built in one place: the default dunning with short
 * backoffs, and a breaker that only a run of 100 failures opens.
 */
public final class ChargeFixtures {
  private ChargeFixtures() {}

  /**
   * Default dunning; outages back off from 5 s (to 10 min), unknown results from 2 s (to 5 min).
   */
  public static ChargePolicy policy() {
    return new ChargePolicy(
        ChargePolicy.DEFAULT_DUNNING,
        new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(10)),
        new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5)));
  }

  /** Opens after 100 consecutive failures, for 10 s on {@code clock}. */
  public static CircuitBreaker breaker(Clock clock) {
    return new CircuitBreaker(100, Duration.ofSeconds(10), clock);
  }
}
