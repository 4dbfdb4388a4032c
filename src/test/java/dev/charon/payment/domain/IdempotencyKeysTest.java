package dev.charon.payment.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.charon.money.Currency;
import dev.charon.money.Money;
import org.junit.jupiter.api.Test;

class IdempotencyKeysTest {
  private static final String SECRET = "0123456789abcdef0123456789abcdef0123456789abcdef";
  private final IdempotencyKeys keys = new IdempotencyKeys(SECRET);
  private final Money eur = Money.ofMinor(12_345, Currency.EUR);

  @Test
  void the_same_attempt_gets_the_same_key_from_any_instance() {
    assertThat(new IdempotencyKeys(SECRET).charge(42, 1, 7, eur))
        .isEqualTo(keys.charge(42, 1, 7, eur))
        .startsWith("inv42-att1-")
        .hasSize("inv42-att1-".length() + 32);
  }

  @Test
  void another_deployment_secret_gives_another_key() {
    var other = new IdempotencyKeys("fedcba9876543210fedcba9876543210fedcba9876543210");
    assertThat(other.charge(42, 1, 7, eur)).isNotEqualTo(keys.charge(42, 1, 7, eur));
  }

  @Test
  void every_input_of_a_charge_changes_its_key() {
    var key = keys.charge(42, 1, 7, eur);
    assertThat(keys.charge(43, 1, 7, eur)).isNotEqualTo(key);
    assertThat(keys.charge(42, 2, 7, eur)).isNotEqualTo(key);
    assertThat(keys.charge(42, 1, 8, eur)).isNotEqualTo(key);
    assertThat(keys.charge(42, 1, 7, Money.ofMinor(12_346, Currency.EUR))).isNotEqualTo(key);
    assertThat(keys.charge(42, 1, 7, Money.ofMinor(12_345, Currency.USD))).isNotEqualTo(key);
  }

  @Test
  void a_refund_never_shares_a_key_with_a_charge() {
    assertThat(keys.refund(42, 1, 7, eur))
        .startsWith("inv42-ref1-")
        .isNotEqualTo(keys.charge(42, 1, 7, eur));
  }

  @Test
  void a_short_secret_is_refused() {
    assertThatThrownBy(() -> new IdempotencyKeys("short"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
