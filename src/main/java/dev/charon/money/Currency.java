package dev.charon.money;

import java.util.Locale;
import java.util.Optional;

/** ISO 4217 currencies Charon bills in, with their minor-unit scale. Mirrors table currency. */
public enum Currency {
  EUR(2),
  USD(2),
  DKK(2),
  SEK(2),
  GBP(2),
  NOK(2),
  CHF(2),
  JPY(0);

  /** The five currencies of the original data set; the seed draws from these. */
  public static final java.util.List<Currency> ORIGINAL =
      java.util.List.of(EUR, USD, DKK, SEK, GBP);

  private final int minorUnit;

  Currency(int minorUnit) {
    this.minorUnit = minorUnit;
  }

  public int minorUnit() {
    return minorUnit;
  }

  public static Optional<Currency> parse(String code) {
    if (code == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(valueOf(code.trim().toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
