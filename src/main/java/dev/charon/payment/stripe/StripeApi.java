package dev.charon.payment.stripe;

import dev.charon.config.ConfigException;
import java.util.Locale;

/**
 * Which Stripe API charges an invoice ({@code CHARON_STRIPE_API}): PaymentIntents (the default:
 * SCA-ready, Stripe's path for new integrations) or the legacy Charges API (kept for accounts that
 * still charge saved cards and sources through it).
 */
public enum StripeApi {
  PAYMENT_INTENTS,
  CHARGES;

  public static StripeApi parse(String raw) {
    return switch (raw.trim().toLowerCase(Locale.ROOT)) {
      case "payment_intents" -> PAYMENT_INTENTS;
      case "charges" -> CHARGES;
      default ->
          throw new ConfigException(
              "CHARON_STRIPE_API must be payment_intents or charges, not '" + raw + "'");
    };
  }
}
