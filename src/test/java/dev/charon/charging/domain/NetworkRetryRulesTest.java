package dev.charon.charging.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.DeclineDetail;
import dev.charon.testing.ChargeFixtures;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkRetryRulesTest {
  private final NetworkRetryRules rules = NetworkRetryRules.published();
  private final Instant now = Instant.parse("2026-12-01T00:00:00Z");

  private static DeclineDetail card(
      String brand, String advice, String networkAdvice, String code) {
    return new DeclineDetail("pi_1", brand, advice, networkAdvice, code);
  }

  @Test
  void a_mastercard_decline_with_merchant_advice_code_03_or_21_is_never_retried() {
    for (var mac : List.of("03", "21")) {
      assertThat(rules.refusal(card("mastercard", null, mac, null), 1))
          .hasValueSatisfying(
              why -> assertThat(why).contains("mastercard", "advice code " + mac, "Mastercard"));
    }
    assertThat(rules.refusal(card("mastercard", null, "02", null), 1)).isEmpty();
  }

  @Test
  void a_merchant_advice_code_of_another_brand_does_not_apply_to_mastercard_rules() {
    assertThat(rules.refusal(card("visa", null, "03", null), 1)).isEmpty();
  }

  @Test
  void a_visa_category_1_response_code_is_never_reattempted() {
    assertThat(rules.refusal(card("visa", null, null, "43"), 1)).isPresent();
    assertThat(rules.refusal(card("visa", null, null, "R1"), 1)).isPresent();
    assertThat(rules.refusal(card("visa", null, null, "51"), 1)).as("insufficient funds").isEmpty();
  }

  @Test
  void stripe_advice_do_not_try_again_stops_any_brand() {
    assertThat(rules.refusal(card("amex", "do_not_try_again", null, null), 1)).isPresent();
    assertThat(rules.refusal(card(null, "try_again_later", null, null), 1)).isEmpty();
  }

  @Test
  void reattempts_beyond_a_brands_cap_are_refused() {
    var visa = card("visa", null, null, "51");
    assertThat(rules.refusal(visa, 15)).isEmpty();
    assertThat(rules.refusal(visa, 16)).hasValueSatisfying(w -> assertThat(w).contains("15"));
    var mastercard = card("mastercard", null, null, null);
    assertThat(rules.refusal(mastercard, 10)).isEmpty();
    assertThat(rules.refusal(mastercard, 11)).isPresent();
    assertThat(rules.refusal(card("discover", null, null, null), 40)).as("no cap known").isEmpty();
  }

  @Test
  void every_published_rule_names_its_source() {
    assertThat(rules.rules()).isNotEmpty().allSatisfy(r -> assertThat(r.source()).isNotBlank());
  }

  @Test
  void a_malformed_rule_file_is_refused_with_its_line() {
    assertThatThrownBy(
            () -> NetworkRetryRules.parse(List.of("# c", "visa\tmax-reattempts\t15 per month\tx")))
        .hasMessageContaining("rule 2");
    assertThatThrownBy(() -> NetworkRetryRules.parse(List.of("visa\tsometimes\t1\tx")))
        .hasMessageContaining("unknown rule");
  }

  @Test
  void dunning_sends_a_refused_retry_to_action_required_with_the_reason() {
    var policy = ChargeFixtures.policy();
    var declined = new ChargeOutcome.Declined("do_not_honor", card("mastercard", null, "03", null));
    assertThat(policy.decide(declined, 0, 0, 1, now, () -> 0.5))
        .isInstanceOfSatisfying(
            Decision.NeedsAction.class,
            a -> assertThat(a.reason()).contains("do_not_honor", "advice code 03"));
    var soft = new ChargeOutcome.Declined("do_not_honor", card("mastercard", null, "02", null));
    assertThat(policy.decide(soft, 0, 0, 1, now, () -> 0.5)).isInstanceOf(Decision.RetryAt.class);
  }
}
