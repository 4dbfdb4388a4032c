package dev.charon.payment.stripe;

import dev.charon.money.Currency;
import dev.charon.money.Money;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Amounts as Stripe counts them: an integer in the currency's smallest unit, except that Stripe's
 * zero-decimal currencies (JPY, KRW, ...) are counted in whole units. Charon's own scale ({@link
 * Currency#minorUnit}) agrees for every currency it bills in today; a currency added later whose
 * scale Stripe counts differently (ISK, HUF, TWD: two decimals at Stripe) is refused here, loudly,
 * rather than charged a hundred times too much or too little.
 */
public final class StripeAmounts {
  // docs.stripe.com/currencies#zero-decimal
  private static final Set<String> ZERO_DECIMAL =
      Set.of(
          "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
          "XAF", "XOF", "XPF");

  private StripeAmounts() {}

  /** The decimals Stripe counts {@code currency} in. */
  static int stripeScale(Currency currency) {
    return ZERO_DECIMAL.contains(currency.name()) ? 0 : 2;
  }

  /** The {@code amount} parameter of a Stripe charge for {@code money}. */
  public static long toStripe(Money money) {
    requireSameScale(money.currency());
    return money.minorUnits();
  }

  /** The lower-case code Stripe expects. */
  public static String currencyCode(Money money) {
    return money.currency().name().toLowerCase(Locale.ROOT);
  }

  /** A Stripe amount and currency as Charon money; empty for a currency Charon does not bill in. */
  public static Optional<Money> fromStripe(long amount, String currency) {
    return Currency.parse(currency)
        .map(
            c -> {
              requireSameScale(c);
              return Money.ofMinor(amount, c);
            });
  }

  private static void requireSameScale(Currency currency) {
    if (stripeScale(currency) != currency.minorUnit()) {
      throw new IllegalStateException(
          "Stripe counts %s in %d decimals, Charon in %d: add a conversion before billing it through Stripe"
              .formatted(currency, stripeScale(currency), currency.minorUnit()));
    }
  }
}
