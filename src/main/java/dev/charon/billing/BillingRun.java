package dev.charon.billing;

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

  public enum State { STARTED, PRODUCING, CHARGING, FINISHED }

  public boolean finished() {
    return state == State.FINISHED;
  }
}
