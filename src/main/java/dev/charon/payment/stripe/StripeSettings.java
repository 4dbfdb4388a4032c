package dev.charon.payment.stripe;

import dev.charon.config.ConfigException;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * How to reach Stripe: the secret key ({@code CHARON_STRIPE_API_KEY}, {@code sk_test_...} or {@code
 * sk_live_...}, or a restricted {@code rk_} key), the API base ({@code CHARON_STRIPE_BASE_URL},
 * default https://api.stripe.com; an emulator's in tests) and how long a call may take ({@code
 * CHARON_STRIPE_TIMEOUT}, default 30 s; a call that takes longer is an unknown result, reconciled
 * with the same key) and which API charges ({@code CHARON_STRIPE_API}, {@link StripeApi}).
 */
public record StripeSettings(
    String apiKey, URI baseUrl, Duration connectTimeout, Duration readTimeout, StripeApi api) {
  public static final URI DEFAULT_BASE_URL = URI.create("https://api.stripe.com");

  public StripeSettings {
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(api, "api");
    if (apiKey == null || !apiKey.matches("(sk|rk)_(test|live)_[A-Za-z0-9_]+")) {
      throw new ConfigException(
          "CHARON_STRIPE_API_KEY is not valid: expected a Stripe secret key such as sk_test_... (or a restricted rk_ key)");
    }
  }

  /** Whether the key is a test-mode key (charges no real card). */
  public boolean testMode() {
    return apiKey.contains("_test_");
  }

  @Override
  public String toString() { // never print the key
    return "StripeSettings[baseUrl=%s, %s key, connectTimeout=%s, readTimeout=%s, api=%s]"
        .formatted(
            baseUrl, testMode() ? "test-mode" : "live-mode", connectTimeout, readTimeout, api);
  }
}
