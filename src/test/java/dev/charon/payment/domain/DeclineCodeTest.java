package dev.charon.payment.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.payment.domain.DeclineCode.Kind;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DeclineCodeTest {

  // The table, written out so that a code silently moved to the other class fails here.
  private static final Map<String, Kind> EXPECTED =
      Map.ofEntries(
          Map.entry("insufficient_funds", Kind.SOFT),
          Map.entry("generic_decline", Kind.SOFT),
          Map.entry("do_not_honor", Kind.SOFT),
          Map.entry("processing_error", Kind.SOFT),
          Map.entry("try_again_later", Kind.SOFT),
          Map.entry("card_velocity_exceeded", Kind.SOFT),
          Map.entry("lost_card", Kind.HARD),
          Map.entry("stolen_card", Kind.HARD),
          Map.entry("expired_card", Kind.HARD),
          Map.entry("incorrect_number", Kind.HARD),
          Map.entry("invalid_account", Kind.HARD),
          Map.entry("authentication_required", Kind.HARD),
          Map.entry("pickup_card", Kind.HARD),
          Map.entry("restricted_card", Kind.HARD),
          Map.entry("fraudulent", Kind.HARD));

  @Test
  void every_decline_code_is_mapped_to_its_class() {
    var actual =
        Arrays.stream(DeclineCode.values())
            .collect(Collectors.toMap(DeclineCode::code, DeclineCode::kind));
    assertThat(actual).isEqualTo(EXPECTED);
    EXPECTED.forEach(
        (code, kind) -> {
          assertThat(DeclineCode.classify(code)).as(code).isEqualTo(kind);
          assertThat(DeclineCode.isHard(code)).as(code).isEqualTo(kind == Kind.HARD);
          assertThat(DeclineCode.of(code)).as(code).map(DeclineCode::code).contains(code);
        });
  }

  @ParameterizedTest
  @ValueSource(strings = {"call_issuer", "declined", "", "  ", "not a code"})
  void unknown_codes_are_soft(String code) {
    assertThat(DeclineCode.of(code)).isEmpty();
    assertThat(DeclineCode.classify(code)).isEqualTo(Kind.SOFT);
  }

  @Test
  void a_missing_code_is_soft() {
    assertThat(DeclineCode.classify(null)).isEqualTo(Kind.SOFT);
  }

  @Test
  void codes_are_read_case_insensitively_and_trimmed() {
    assertThat(DeclineCode.classify(" Stolen_Card ")).isEqualTo(Kind.HARD);
  }
}
