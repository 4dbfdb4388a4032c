package dev.charon.charging.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The dunning policies the simulator compares: when each decline is retried. */
class DunningTest {
  // A Tuesday, the 3rd: the next payday at least a day away is the 15th.
  static final Instant NOW = Instant.parse("2026-03-03T10:00:00Z");

  @Test
  void by_code_waits_for_payday_on_insufficient_funds_and_per_code_otherwise() {
    var byCode = Dunning.parse("by-code");

    assertThat(byCode.name()).isEqualTo("by-code");
    assertThat(byCode.retries()).isEqualTo(4);
    assertThat(byCode.nextRetry(0, NOW, "insufficient_funds"))
        .contains(Instant.parse("2026-03-15T06:00:00Z"));
    assertThat(byCode.nextRetry(0, NOW, "try_again_later"))
        .contains(Instant.parse("2026-03-04T10:00:00Z"));
    assertThat(byCode.nextRetry(0, NOW, "processing_error"))
        .contains(Instant.parse("2026-03-04T10:00:00Z"));
    assertThat(byCode.nextRetry(0, NOW, "generic_decline"))
        .contains(Instant.parse("2026-03-04T10:00:00Z"));
    assertThat(byCode.nextRetry(0, NOW, "do_not_honor"))
        .contains(Instant.parse("2026-03-06T10:00:00Z"));
    assertThat(byCode.nextRetry(0, NOW, "card_velocity_exceeded"))
        .contains(Instant.parse("2026-03-05T10:00:00Z"));
    assertThat(byCode.nextRetry(0, NOW, "some_new_code"))
        .as("an unknown code is soft")
        .contains(Instant.parse("2026-03-05T10:00:00Z"));
    assertThat(byCode.nextRetry(4, NOW, "do_not_honor")).as("after four retries").isEmpty();
  }

  @Test
  void fixed_waits_and_paydays_parse_and_a_bad_policy_names_the_choices() {
    assertThat(Dunning.parse("1d,3d,7d").nextRetry(1, NOW, "do_not_honor"))
        .contains(Instant.parse("2026-03-06T10:00:00Z"));
    assertThat(Dunning.parse("1d,3d,7d").nextRetry(3, NOW, "do_not_honor"))
        .isEqualTo(Optional.empty());
    assertThat(Dunning.parse("paydays").nextRetry(0, NOW, "do_not_honor"))
        .contains(Instant.parse("2026-03-04T10:00:00Z"));
    assertThatThrownBy(() -> Dunning.parse("weekly"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("paydays")
        .hasMessageContaining("by-code");
  }
}
