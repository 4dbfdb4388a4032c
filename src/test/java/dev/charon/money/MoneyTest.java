package dev.charon.money;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class MoneyTest {
  @Test
  void parses_decimals_into_exact_minor_units() {
    assertThat(Money.parse("12.50", Currency.EUR).minorUnits()).isEqualTo(1250);
    assertThat(Money.parse("12.5", Currency.EUR).minorUnits()).isEqualTo(1250);
    assertThat(Money.parse("0.1", Currency.USD).minorUnits()).isEqualTo(10);
    assertThat(Money.parse("1200", Currency.JPY).minorUnits()).isEqualTo(1200);
    assertThat(Money.parse("12.500", Currency.EUR).minorUnits())
        .as("trailing zeros are not extra precision")
        .isEqualTo(1250);
  }

  @Test
  void refuses_more_decimals_than_the_currency_has_instead_of_rounding() {
    assertThatThrownBy(() -> Money.parse("12.505", Currency.EUR))
        .hasMessageContaining("2 decimal places");
    assertThatThrownBy(() -> Money.parse("1.5", Currency.JPY))
        .hasMessageContaining("0 decimal places");
    assertThatThrownBy(() -> Money.parse("ten", Currency.EUR))
        .hasMessageContaining("not a decimal");
    assertThatThrownBy(() -> Money.parse("1e30", Currency.EUR)).hasMessageContaining("too large");
  }

  @Test
  void renders_with_the_currency_scale() {
    assertThat(Money.ofMinor(1005, Currency.SEK).toDecimal()).isEqualTo(new BigDecimal("10.05"));
    assertThat(Money.ofMinor(7, Currency.JPY).toDecimal()).isEqualTo(new BigDecimal("7"));
    assertThat(Money.ofMinor(1005, Currency.GBP)).hasToString("10.05 GBP");
  }

  @Test
  void currency_codes_parse_case_insensitively_and_unknown_ones_do_not() {
    assertThat(Currency.parse("eur")).contains(Currency.EUR);
    assertThat(Currency.parse("XXX")).isEmpty();
    assertThat(Currency.parse(null)).isEmpty();
  }
}
