package dev.charon.billing;

import com.github.kagkarlsson.scheduler.task.schedule.CronSchedule;
import dev.charon.config.ConfigException;
import dev.charon.config.Env;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;

/**
 * When and how billing runs: {@code CHARON_BILLING_CRON} (db-scheduler's six-field cron, seconds
 * first; default {@value #DEFAULT_CRON}: 00:00 on the 1st), {@code CHARON_BILLING_ZONE} (the zone
 * the cron and the period are read in; default UTC), {@code CHARON_RETRY_POLL} (how often due
 * retries and unfinished runs are looked for; default 10s) and {@code CHARON_BILLING_BATCH}
 * (invoices enqueued per transaction; default 1000).
 */
public record BillingSettings(String cron, ZoneId zone, Duration retryPoll, int batchSize) {
  public static final String DEFAULT_CRON = "0 0 0 1 * *";

  public BillingSettings {
    if (retryPoll.isNegative() || retryPoll.isZero()) {
      throw new IllegalArgumentException("retryPoll must be positive, was " + retryPoll);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, was " + batchSize);
    }
  }

  public static BillingSettings from(Env env) {
    var zone = zone(env);
    var cron = env.string("CHARON_BILLING_CRON", DEFAULT_CRON);
    try {
      new CronSchedule(cron, zone);
    } catch (RuntimeException e) {
      throw new ConfigException(
          "CHARON_BILLING_CRON="
              + cron
              + " is not valid: expected a six-field cron such as '"
              + DEFAULT_CRON
              + "' (second minute hour day-of-month month day-of-week)");
    }
    var retryPoll = env.duration("CHARON_RETRY_POLL", Duration.ofSeconds(10));
    if (retryPoll.isNegative() || retryPoll.isZero()) {
      throw new ConfigException(
          "CHARON_RETRY_POLL=" + retryPoll + " is not valid: expected a positive duration");
    }
    return new BillingSettings(
        cron, zone, retryPoll, env.integer("CHARON_BILLING_BATCH", 1000, 1, 100_000));
  }

  /** The defaults, for tests and tools that take no environment. */
  public static BillingSettings defaults() {
    return from(new Env(java.util.Map.of()));
  }

  public CronSchedule schedule() {
    return new CronSchedule(cron, zone);
  }

  public BillingSettings withZone(ZoneId newZone) {
    return new BillingSettings(cron, newZone, retryPoll, batchSize);
  }

  public BillingSettings withBatchSize(int size) {
    return new BillingSettings(cron, zone, retryPoll, size);
  }

  private static ZoneId zone(Env env) {
    var raw = env.string("CHARON_BILLING_ZONE", "UTC");
    try {
      return ZoneId.of(raw);
    } catch (DateTimeException e) {
      throw new ConfigException(
          "CHARON_BILLING_ZONE="
              + raw
              + " is not valid: expected a time-zone id such as UTC or Europe/Copenhagen");
    }
  }
}
