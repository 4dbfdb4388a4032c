package dev.charon.money;

import java.math.BigDecimal;
import java.util.Objects;

/** An exact amount: integer minor units of a currency. BigDecimal appears only at the edges. */
public record Money(long minorUnits, Currency currency) {
  public Money {
    Objects.requireNonNull(currency, "currency");
  }

  public static Money ofMinor(long minorUnits, Currency currency) {
    return new Money(minorUnits, currency);
  }

  /**
   * Parses a decimal amount such as {@code "12.50"}; rejects more decimals than the currency has
   * rather than rounding them away.
   */
  public static Money parse(String decimal, Currency currency) {
    BigDecimal value;
    try {
      value = new BigDecimal(decimal.trim());
    } catch (NumberFormatException | NullPointerException e) {
      throw new IllegalArgumentException("'" + decimal + "' is not a decimal number");
    }
    if (value.scale() > currency.minorUnit()) {
      value = value.stripTrailingZeros();
      if (value.scale() > currency.minorUnit()) {
        throw new IllegalArgumentException(
            currency
                + " has "
                + currency.minorUnit()
                + " decimal places, '"
                + decimal
                + "' has more");
      }
    }
    try {
      return new Money(value.movePointRight(currency.minorUnit()).longValueExact(), currency);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("'" + decimal + "' is too large");
    }
  }

  public BigDecimal toDecimal() {
    return BigDecimal.valueOf(minorUnits, currency.minorUnit());
  }

  @Override
  public String toString() {
    return toDecimal().toPlainString() + " " + currency;
  }
}
