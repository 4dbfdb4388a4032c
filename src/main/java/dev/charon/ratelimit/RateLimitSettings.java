package dev.charon.ratelimit;

import dev.charon.config.ConfigException;
import dev.charon.config.Env;
import java.util.OptionalDouble;

/**
 * {@code CHARON_PROVIDER_RATE_LIMIT}: provider calls per second for all workers together, charges
 * and refunds alike (default: unset, no limit). Every worker should be given the same value: the
 * shared row keeps the one the last caller named.
 */
public record RateLimitSettings(OptionalDouble callsPerSecond) {
  public static final String VARIABLE = "CHARON_PROVIDER_RATE_LIMIT";

  public static RateLimitSettings from(Env env) {
    return new RateLimitSettings(
        env.optional(VARIABLE)
            .map(
                raw -> {
                  try {
                    double value = Double.parseDouble(raw.strip());
                    if (value >= 0.1 && value <= 1_000_000) {
                      return OptionalDouble.of(value);
                    }
                  } catch (NumberFormatException e) {
                    // reported below
                  }
                  throw new ConfigException(
                      VARIABLE
                          + "="
                          + raw
                          + " is not valid: expected calls per second between 0.1 and 1000000");
                })
            .orElse(OptionalDouble.empty()));
  }

  public static RateLimitSettings unlimited() {
    return new RateLimitSettings(OptionalDouble.empty());
  }
}
