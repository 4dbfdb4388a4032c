package dev.charon.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class CallRateTest {
  @Test
  void a_seconds_calls_go_at_once_and_the_next_is_told_to_retry_after_one_second() {
    var rate = new CallRate(OptionalInt.of(3));

    assertThat(rate.tryAcquire()).isZero();
    assertThat(rate.tryAcquire()).isZero();
    assertThat(rate.tryAcquire()).isZero();
    assertThat(rate.tryAcquire()).isEqualTo(1);
  }

  @Test
  void no_limit_lets_everything_through_and_a_limit_can_be_lifted() {
    var rate = new CallRate(OptionalInt.of(1));
    rate.tryAcquire();
    assertThat(rate.tryAcquire()).isEqualTo(1);

    rate.set(OptionalInt.empty());

    assertThat(rate.limit()).isEmpty();
    for (int i = 0; i < 1_000; i++) {
      assertThat(rate.tryAcquire()).isZero();
    }
  }

  @Test
  void a_limit_under_one_call_per_second_is_refused() {
    assertThatThrownBy(() -> new CallRate(OptionalInt.of(0)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
