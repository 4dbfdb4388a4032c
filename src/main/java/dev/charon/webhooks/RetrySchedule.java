package dev.charon.webhooks;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * When a failed delivery goes again: Standard Webhooks' example schedule (now, 5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h, 14 h, 20 h, 24 h; about three days in all), each delay stretched by up to 10% of
 * random jitter so that many failing deliveries do not come back in step. A receiver's {@code
 * Retry-After} (429, 503) is honoured: the next attempt is never earlier than it asks (up to the
 * schedule's longest delay). After the tenth attempt the delivery has failed.
 */
public final class RetrySchedule {
  public static final List<Duration> DELAYS =
      List.of(
          Duration.ZERO,
          Duration.ofSeconds(5),
          Duration.ofMinutes(5),
          Duration.ofMinutes(30),
          Duration.ofHours(2),
          Duration.ofHours(5),
          Duration.ofHours(10),
          Duration.ofHours(14),
          Duration.ofHours(20),
          Duration.ofHours(24));
  public static final int ATTEMPTS = DELAYS.size();

  /** The delays after each failed attempt (all but the first "now"). */
  public static final List<Duration> SPEC_RETRIES = DELAYS.subList(1, DELAYS.size());

  static final double JITTER = 0.10;
  static final Duration MAX_RETRY_AFTER = Duration.ofHours(24);

  private RetrySchedule() {}

  /**
   * The time of the attempt after attempt {@code attemptNo} (1-based) failed at {@code now}, or
   * empty when it was the last.
   */
  public static Optional<Instant> next(
      int attemptNo, Instant now, Optional<Duration> retryAfter, RandomGenerator random) {
    return next(SPEC_RETRIES, attemptNo, now, retryAfter, random);
  }

  /**
   * The same on another schedule ({@code CHARON_WEBHOOKS_RETRY_SCHEDULE}): {@code retries.size() +
   * 1} attempts.
   */
  public static Optional<Instant> next(
      List<Duration> retries,
      int attemptNo,
      Instant now,
      Optional<Duration> retryAfter,
      RandomGenerator random) {
    if (attemptNo > retries.size()) {
      return Optional.empty();
    }
    var delay = retries.get(attemptNo - 1);
    long jitterMillis = (long) (delay.toMillis() * JITTER * random.nextDouble());
    var planned = delay.plusMillis(jitterMillis);
    var asked =
        retryAfter
            .map(d -> d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d)
            .orElse(Duration.ZERO);
    return Optional.of(now.plus(planned.compareTo(asked) >= 0 ? planned : asked));
  }
}
