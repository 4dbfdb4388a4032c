package dev.charon.provider;

import dev.charon.config.ConfigException;
import dev.charon.config.Env;
import java.util.Optional;

/**
 * The secrets that authenticate the provider's events: {@code CHARON_STRIPE_WEBHOOK_SECRET} (the
 * endpoint's signing secret from Stripe's dashboard or {@code stripe listen}, {@code whsec_...})
 * and {@code CHARON_GATEWAY_EVENTS_SECRET} (the secret the gateway signs its events with, its
 * {@code --events-secret}). Unset: that provider's events are refused (503), nothing is stored.
 */
public record ProviderEventSettings(Optional<String> stripeSecret, Optional<String> gatewaySecret) {
  public ProviderEventSettings {
    stripeSecret.ifPresent(s -> require("CHARON_STRIPE_WEBHOOK_SECRET", s));
    gatewaySecret.ifPresent(s -> require("CHARON_GATEWAY_EVENTS_SECRET", s));
  }

  public static ProviderEventSettings none() {
    return new ProviderEventSettings(Optional.empty(), Optional.empty());
  }

  public static ProviderEventSettings from(Env env) {
    return new ProviderEventSettings(
        env.optional("CHARON_STRIPE_WEBHOOK_SECRET"), env.optional("CHARON_GATEWAY_EVENTS_SECRET"));
  }

  private static void require(String name, String secret) {
    if (!secret.matches("whsec_[A-Za-z0-9+/=_-]{16,}")) {
      throw new ConfigException(
          name
              + " must be a signing secret such as whsec_... (at least 16 characters after whsec_)");
    }
  }

  @Override
  public String toString() { // never print a secret
    return "ProviderEventSettings[stripe=%s, gateway=%s]"
        .formatted(
            stripeSecret.isPresent() ? "set" : "unset",
            gatewaySecret.isPresent() ? "set" : "unset");
  }
}
