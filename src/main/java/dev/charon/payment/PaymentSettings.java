package dev.charon.payment;

import dev.charon.config.ConfigException;
import dev.charon.config.Env;
import dev.charon.payment.fake.FaultProfile;
import dev.charon.payment.stripe.StripeApi;
import dev.charon.payment.stripe.StripeSettings;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which provider a process charges through. {@code CHARON_GATEWAY_URL} set: the HTTP gateway, with
 * {@code CHARON_GATEWAY_CONNECT_TIMEOUT} (default 2s) and {@code CHARON_GATEWAY_TIMEOUT} (default
 * 10s). Unset: the in-process simulator, tuned by {@code CHARON_SIM_LATENCY_MS}, {@code
 * CHARON_SIM_LATENCY_JITTER_MS}, {@code CHARON_SIM_DECLINE_RATE}, {@code
 * CHARON_SIM_NETWORK_ERROR_RATE}, {@code CHARON_SIM_TIMEOUT_RATE}, {@code
 * CHARON_SIM_CUSTOMERS_NOT_FOUND}, {@code CHARON_SIM_CURRENCY_MISMATCH} (comma-separated customer
 * ids) and {@code CHARON_SIM_SEED}; all default to a fault-free provider. {@code
 * CHARON_PROVIDER=stripe}: Stripe, with {@link StripeSettings}' variables. {@code CHARON_PROVIDER}
 * unset: the gateway when its URL is set, else the simulator.
 */
public record PaymentSettings(
    Provider provider,
    Optional<URI> gatewayUrl,
    Duration connectTimeout,
    Duration requestTimeout,
    FaultProfile simulator,
    Optional<StripeSettings> stripe) {

  /** Which adapter charges. */
  public enum Provider {
    SIMULATOR,
    GATEWAY,
    STRIPE
  }

  public static PaymentSettings from(Env env) {
    var simulator =
        FaultProfile.builder()
            .latency(
                env.integer("CHARON_SIM_LATENCY_MS", 0, 0, 600_000),
                env.integer("CHARON_SIM_LATENCY_JITTER_MS", 0, 0, 600_000))
            .declineRate(rate(env, "CHARON_SIM_DECLINE_RATE"))
            .networkErrorRate(rate(env, "CHARON_SIM_NETWORK_ERROR_RATE"))
            .timeoutRate(rate(env, "CHARON_SIM_TIMEOUT_RATE"))
            .customersNotFound(ids(env, "CHARON_SIM_CUSTOMERS_NOT_FOUND"))
            .currencyMismatch(ids(env, "CHARON_SIM_CURRENCY_MISMATCH"))
            .seed(longValue(env, "CHARON_SIM_SEED", FaultProfile.none().seed()))
            .build();
    var gatewayUrl = env.optional("CHARON_GATEWAY_URL").map(raw -> url("CHARON_GATEWAY_URL", raw));
    var provider =
        env.enumValue(
            "CHARON_PROVIDER",
            Provider.class,
            gatewayUrl.isPresent() ? Provider.GATEWAY : Provider.SIMULATOR);
    if (provider == Provider.GATEWAY && gatewayUrl.isEmpty()) {
      throw new ConfigException(
          "CHARON_PROVIDER=gateway needs CHARON_GATEWAY_URL (the gateway's base URL)");
    }
    return new PaymentSettings(
        provider,
        gatewayUrl,
        positive(env, "CHARON_GATEWAY_CONNECT_TIMEOUT", Duration.ofSeconds(2)),
        positive(env, "CHARON_GATEWAY_TIMEOUT", Duration.ofSeconds(10)),
        simulator,
        provider == Provider.STRIPE ? Optional.of(stripe(env)) : Optional.empty());
  }

  /** Stripe's settings, whatever {@code CHARON_PROVIDER} says (the audit reads them too). */
  public static StripeSettings stripe(Env env) {
    var key =
        env.optional("CHARON_STRIPE_API_KEY")
            .orElseThrow(
                () ->
                    new ConfigException(
                        "CHARON_PROVIDER=stripe needs CHARON_STRIPE_API_KEY (a Stripe secret key, sk_test_... in test mode)"));
    var base =
        env.optional("CHARON_STRIPE_BASE_URL")
            .map(raw -> url("CHARON_STRIPE_BASE_URL", raw))
            .orElse(StripeSettings.DEFAULT_BASE_URL);
    var timeout = positive(env, "CHARON_STRIPE_TIMEOUT", Duration.ofSeconds(30));
    var connect = timeout.compareTo(Duration.ofSeconds(5)) < 0 ? timeout : Duration.ofSeconds(5);
    var api =
        env.optional("CHARON_STRIPE_API").map(StripeApi::parse).orElse(StripeApi.PAYMENT_INTENTS);
    return new StripeSettings(key, base, connect, timeout, api);
  }

  private static URI url(String name, String raw) {
    try {
      var uri = URI.create(raw);
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          && uri.getHost() != null) {
        return uri;
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw new ConfigException(
        name + "=" + raw + " is not valid: expected an http(s) URL such as http://localhost:7070");
  }

  private static Duration positive(Env env, String name, Duration defaultValue) {
    var value = env.duration(name, defaultValue);
    if (value.isNegative() || value.isZero()) {
      throw new ConfigException(name + "=" + value + " is not valid: expected a positive duration");
    }
    return value;
  }

  static double rate(Env env, String name) {
    return env.optional(name)
        .map(
            raw -> {
              try {
                double value = Double.parseDouble(raw);
                if (value >= 0 && value <= 1) {
                  return value;
                }
              } catch (NumberFormatException e) {
                // reported below
              }
              throw new ConfigException(
                  name + "=" + raw + " is not valid: expected a rate between 0 and 1");
            })
        .orElse(0.0);
  }

  static Set<Long> ids(Env env, String name) {
    return env.optional(name)
        .map(
            raw -> {
              try {
                return Arrays.stream(raw.split(","))
                    .map(String::trim)
                    .filter(s -> !s.isEmpty())
                    .map(Long::valueOf)
                    .collect(Collectors.toSet());
              } catch (NumberFormatException e) {
                throw new ConfigException(
                    name + "=" + raw + " is not valid: expected comma-separated customer ids");
              }
            })
        .orElse(Set.of());
  }

  private static long longValue(Env env, String name, long defaultValue) {
    return env.optional(name)
        .map(
            raw -> {
              try {
                return Long.parseLong(raw);
              } catch (NumberFormatException e) {
                throw new ConfigException(name + "=" + raw + " is not valid: expected an integer");
              }
            })
        .orElse(defaultValue);
  }
}
