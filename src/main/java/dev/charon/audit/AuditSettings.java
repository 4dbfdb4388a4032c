package dev.charon.audit;

import dev.charon.config.ConfigException;
import dev.charon.config.Env;
import java.time.Duration;

/**
 * The standing audit's schedule: {@code CHARON_AUDIT_INTERVAL} (default 10m, between 10s and 1d) is
 * the pause between the end of one run and the start of the next, on one server of the cluster.
 */
public record AuditSettings(Duration interval) {
  public static final String INTERVAL = "CHARON_AUDIT_INTERVAL";
  public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(10);
  static final Duration MIN = Duration.ofSeconds(10);
  static final Duration MAX = Duration.ofDays(1);

  public AuditSettings {
    // Shorter than 10 s, reading the provider's whole ledger back to back is load, not safety;
    // longer than a day, a double charge waits a day to be seen.
    if (interval.compareTo(MIN) < 0 || interval.compareTo(MAX) > 0) {
      throw new ConfigException(
          INTERVAL + "=" + interval + " is out of range: expected a duration from 10s to 1d");
    }
  }

  public static AuditSettings from(Env env) {
    return new AuditSettings(env.duration(INTERVAL, DEFAULT_INTERVAL));
  }
}
