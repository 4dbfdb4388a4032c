package dev.charon.billing.domain;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;

/** The one billing run of a period. */
public record BillingRun(
    long id,
    YearMonth period,
    State state,
    LocalDate cutoff,
    String startedBy,
    long enqueued,
    Instant startedAt,
    Instant finishedAt) {

  public enum State {
    STARTED,
    PRODUCING,
    CHARGING,
    FINISHED
  }

  public boolean finished() {
    return state == State.FINISHED;
  }

  /** How long the run took, or has taken so far when it is not finished at {@code now}. */
  public Duration elapsed(Instant now) {
    var end = finishedAt != null ? finishedAt : now;
    return end.isBefore(startedAt) ? Duration.ZERO : Duration.between(startedAt, end);
  }
}
