package dev.charon.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetryScheduleTest {
  static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");

  @Test
  void each_failure_waits_the_next_delay_of_the_spec_schedule_plus_at_most_ten_percent_jitter() {
    var expected =
        new Duration[] {
          Duration.ofSeconds(5),
          Duration.ofMinutes(5),
          Duration.ofMinutes(30),
          Duration.ofHours(2),
          Duration.ofHours(5),
          Duration.ofHours(10),
          Duration.ofHours(14),
          Duration.ofHours(20),
          Duration.ofHours(24)
        };
    var random = new Random(7);
    for (int attempt = 1; attempt <= 9; attempt++) {
      var delay =
          Duration.between(
              NOW, RetrySchedule.next(attempt, NOW, Optional.empty(), random).orElseThrow());
      var planned = expected[attempt - 1];
      assertThat(delay)
          .as("after attempt " + attempt)
          .isBetween(planned, planned.plusMillis(planned.toMillis() / 10));
    }
    assertThat(RetrySchedule.next(10, NOW, Optional.empty(), random))
        .as("the tenth attempt is the last")
        .isEmpty();
  }

  @Test
  void jitter_spreads_retries_that_failed_together() {
    var random = new Random(11);
    var times = new java.util.HashSet<Instant>();
    for (int i = 0; i < 20; i++) {
      times.add(RetrySchedule.next(3, NOW, Optional.empty(), random).orElseThrow());
    }
    assertThat(times).hasSizeGreaterThan(15);
  }

  @Test
  void retry_after_is_honoured_when_later_than_the_schedule_and_capped_at_a_day() {
    var random = new Random(3);
    assertThat(RetrySchedule.next(1, NOW, Optional.of(Duration.ofMinutes(2)), random))
        .contains(NOW.plus(Duration.ofMinutes(2)));
    var sooner =
        RetrySchedule.next(3, NOW, Optional.of(Duration.ofSeconds(1)), random).orElseThrow();
    assertThat(sooner)
        .as("a shorter Retry-After does not pull the schedule in")
        .isAfterOrEqualTo(NOW.plus(Duration.ofMinutes(30)));
    assertThat(RetrySchedule.next(1, NOW, Optional.of(Duration.ofDays(30)), random))
        .contains(NOW.plus(Duration.ofHours(24)));
  }

  @Test
  void retry_after_reads_seconds_and_http_dates() {
    assertThat(WebhookDispatcher.retryAfter("120", NOW)).contains(Duration.ofSeconds(120));
    assertThat(WebhookDispatcher.retryAfter("Tue, 01 Dec 2026 00:10:00 GMT", NOW))
        .contains(Duration.ofMinutes(10));
    assertThat(WebhookDispatcher.retryAfter("soon", NOW)).isEmpty();
    assertThat(WebhookDispatcher.retryAfter("-5", NOW)).isEmpty();
  }
}
