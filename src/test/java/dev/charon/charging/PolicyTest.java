package dev.charon.charging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.charging.domain.Backoff;
import dev.charon.charging.domain.CircuitBreaker;
import dev.charon.charging.domain.Decision;
import dev.charon.testing.BreakerState;
import dev.charon.testing.ChargeFixtures;
import dev.charon.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PolicyTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-01T00:00:00Z"));

  @Test
  void the_breaker_opens_after_the_threshold_and_closes_after_a_good_trial_call() {
    var breaker = new CircuitBreaker(3, Duration.ofSeconds(10), clock);
    for (int i = 0; i < 3; i++) {
      assertThat(breaker.tryAcquire()).isEmpty();
      breaker.onFailure();
    }
    assertThat(BreakerState.of(breaker)).isEqualTo(BreakerState.OPEN);
    assertThat(breaker.tryAcquire()).contains(clock.instant().plusSeconds(10));

    clock.advance(Duration.ofSeconds(10));
    assertThat(BreakerState.of(breaker)).isEqualTo(BreakerState.HALF_OPEN);
    assertThat(breaker.tryAcquire()).as("one trial call").isEmpty();
    assertThat(breaker.tryAcquire()).as("only one").isPresent();
    breaker.onSuccess();
    assertThat(BreakerState.of(breaker)).isEqualTo(BreakerState.CLOSED);
    assertThat(breaker.tryAcquire()).isEmpty();
  }

  @Test
  void a_failed_trial_call_opens_the_breaker_again() {
    var breaker = new CircuitBreaker(1, Duration.ofSeconds(10), clock);
    breaker.onFailure();
    clock.advance(Duration.ofSeconds(10));
    assertThat(breaker.tryAcquire()).isEmpty();
    breaker.onFailure();
    assertThat(BreakerState.of(breaker)).isEqualTo(BreakerState.OPEN);
  }

  @Test
  void backoff_grows_exponentially_with_jitter_and_is_capped() {
    var backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));
    assertThat(backoff.delay(1, () -> 0.0)).isEqualTo(Duration.ofMillis(500));
    assertThat(backoff.delay(1, () -> 0.999)).isLessThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(backoff.delay(4, () -> 0.0)).isEqualTo(Duration.ofSeconds(4));
    assertThat(backoff.delay(30, () -> 0.999))
        .isLessThanOrEqualTo(Duration.ofSeconds(60))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void unavailable_closes_a_first_call_but_keeps_an_attempt_whose_earlier_result_is_unknown() {
    var policy = ChargeFixtures.policy();
    var down = new dev.charon.payment.domain.ChargeOutcome.Unavailable("outage");
    assertThat(policy.decide(down, 0, 0, 1, clock.instant(), () -> 0.5))
        .isInstanceOf(Decision.RetryAt.class);
    assertThat(policy.decide(down, 0, 0, 2, clock.instant(), () -> 0.5))
        .isInstanceOfSatisfying(
            Decision.Reconcile.class, r -> assertThat(r.at()).isAfter(clock.instant()));
  }
}
