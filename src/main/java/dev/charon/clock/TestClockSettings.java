package dev.charon.clock;

import dev.charon.config.ConfigException;
import dev.charon.config.Env;
import java.util.Locale;

/**
 * {@code CHARON_TEST_CLOCK} ({@code true}/{@code false}, default false): whether this deployment
 * may freeze and advance time. {@code CHARON_ENV} ({@code development}, {@code test}, {@code
 * production}; default development): a production deployment refuses a test clock.
 */
public record TestClockSettings(boolean enabled, String environment) {

  public static TestClockSettings from(Env env) {
    var environment = env.string("CHARON_ENV", "development").trim().toLowerCase(Locale.ROOT);
    if (!environment.matches("development|test|production")) {
      throw new ConfigException(
          "CHARON_ENV must be development, test or production, was '" + environment + "'");
    }
    var raw = env.string("CHARON_TEST_CLOCK", "false").trim().toLowerCase(Locale.ROOT);
    boolean enabled =
        switch (raw) {
          case "true" -> true;
          case "false" -> false;
          default ->
              throw new ConfigException(
                  "CHARON_TEST_CLOCK must be true or false, was '" + raw + "'");
        };
    if (enabled && environment.equals("production")) {
      throw new ConfigException(
          "CHARON_TEST_CLOCK=true is refused when CHARON_ENV=production: a test clock freezes billing time");
    }
    return new TestClockSettings(enabled, environment);
  }
}
