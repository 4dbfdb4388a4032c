package dev.charon.webhooks;

import dev.charon.config.ConfigException;
import dev.charon.config.Env;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Webhook delivery settings. {@code CHARON_WEBHOOKS_KEY} (base64 of 32 bytes) encrypts endpoint
 * secrets at rest; without it a server refuses to create endpoints and delivers nothing (the demo
 * makes one up). {@code CHARON_WEBHOOKS_ALLOW_PRIVATE} lets endpoints live on private addresses.
 */
public record WebhookSettings(
    Optional<byte[]> key,
    boolean allowPrivate,
    int endpointConcurrency,
    Duration pollInterval,
    Duration timeout,
    java.util.List<Duration> retryDelays,
    Duration lease) {
  public static final Duration DEFAULT_LEASE = Duration.ofSeconds(60);

  /** The spec's retry schedule and a 60 s lease. */
  public WebhookSettings(
      Optional<byte[]> key,
      boolean allowPrivate,
      int endpointConcurrency,
      Duration pollInterval,
      Duration timeout) {
    this(
        key,
        allowPrivate,
        endpointConcurrency,
        pollInterval,
        timeout,
        RetrySchedule.SPEC_RETRIES,
        DEFAULT_LEASE);
  }

  public static final String KEY = "CHARON_WEBHOOKS_KEY";
  public static final String ALLOW_PRIVATE = "CHARON_WEBHOOKS_ALLOW_PRIVATE";

  public static WebhookSettings from(Env env) {
    var key = env.optional(KEY).map(WebhookSettings::parseKey);
    var allow =
        env.optional(ALLOW_PRIVATE)
            .map(
                v ->
                    switch (v) {
                      case "true" -> true;
                      case "false" -> false;
                      default ->
                          throw new ConfigException(
                              ALLOW_PRIVATE + "='" + v + "' must be true or false");
                    })
            .orElse(false);
    var poll = env.duration("CHARON_WEBHOOKS_POLL_INTERVAL", Duration.ofMillis(250));
    if (poll.isZero() || poll.isNegative() || poll.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new ConfigException(
          "CHARON_WEBHOOKS_POLL_INTERVAL=" + poll + " must be between 1ms and 1m");
    }
    var timeout = Duration.ofSeconds(15);
    var retries = env.durations("CHARON_WEBHOOKS_RETRY_SCHEDULE", RetrySchedule.SPEC_RETRIES);
    if (retries.isEmpty() || retries.size() > 20) {
      throw new ConfigException(
          "CHARON_WEBHOOKS_RETRY_SCHEDULE must list 1 to 20 delays, not " + retries.size());
    }
    var lease = env.duration("CHARON_WEBHOOKS_LEASE", DEFAULT_LEASE);
    if (lease.compareTo(timeout.plusSeconds(5)) < 0 || lease.compareTo(Duration.ofHours(1)) > 0) {
      throw new ConfigException(
          "CHARON_WEBHOOKS_LEASE="
              + lease
              + " must be between 20s (the 15 s timeout and a margin) and 1h");
    }
    return new WebhookSettings(
        key,
        allow,
        env.integer("CHARON_WEBHOOKS_ENDPOINT_CONCURRENCY", 4, 1, 64),
        poll,
        timeout,
        List.copyOf(retries),
        lease);
  }

  private static byte[] parseKey(String raw) {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(raw);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(KEY + " is not base64; make one with: openssl rand -base64 32");
    }
    if (key.length != 32) {
      throw new ConfigException(
          KEY
              + " must be 32 bytes (base64 of 32 random bytes, e.g. openssl rand -base64 32), not "
              + key.length);
    }
    return key;
  }

  public WebhookSettings withKey(byte[] newKey) {
    return new WebhookSettings(
        Optional.of(newKey),
        allowPrivate,
        endpointConcurrency,
        pollInterval,
        timeout,
        retryDelays,
        lease);
  }

  public WebhookSettings withAllowPrivate(boolean allow) {
    return new WebhookSettings(
        key, allow, endpointConcurrency, pollInterval, timeout, retryDelays, lease);
  }

  public Optional<SecretBox> box() {
    return key.map(SecretBox::new);
  }
}
