package dev.charon.refund.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.charging.domain.Backoff;
import dev.charon.payment.domain.RefundOutcome;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RefundPolicyTest {
  private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");
  private final RefundPolicy policy =
      new RefundPolicy(
          new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(10)),
          new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(10)));

  @Test
  void refunded_succeeds_and_refused_fails_with_the_providers_code() {
    assertThat(policy.decide(new RefundOutcome.Refunded("re_1"), 1, true, NOW, () -> 0.5))
        .isEqualTo(new RefundPolicy.Decision.Succeed("re_1"));
    assertThat(
            policy.decide(
                new RefundOutcome.Refused("over_refund", "too much"), 1, true, NOW, () -> 0.5))
        .isEqualTo(new RefundPolicy.Decision.Fail("over_refund", "too much"));
  }

  @Test
  void
      unknown_and_unavailable_retry_later_and_only_an_untouched_refund_counts_as_never_processed() {
    var unknown = policy.decide(new RefundOutcome.Unknown("timeout"), 1, true, NOW, () -> 1.0);
    assertThat(unknown)
        .isInstanceOfSatisfying(
            RefundPolicy.Decision.Retry.class,
            r -> {
              assertThat(r.at()).isEqualTo(NOW.plusSeconds(10));
              assertThat(r.neverProcessed()).isFalse();
            });
    var firstUnavailable =
        policy.decide(new RefundOutcome.Unavailable("refused"), 1, true, NOW, () -> 1.0);
    var laterUnavailable =
        policy.decide(new RefundOutcome.Unavailable("refused"), 3, false, NOW, () -> 1.0);
    assertThat(((RefundPolicy.Decision.Retry) firstUnavailable).neverProcessed()).isTrue();
    assertThat(((RefundPolicy.Decision.Retry) laterUnavailable).neverProcessed()).isFalse();
    assertThat(((RefundPolicy.Decision.Retry) laterUnavailable).at())
        .isEqualTo(NOW.plusSeconds(20));
  }
}
