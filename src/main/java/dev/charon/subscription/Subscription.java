package dev.charon.subscription;

import dev.charon.money.Money;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.Objects;

/**
 * What a customer pays every period: one invoice per period from the start date's period until the
 * end date's (inclusive) or until cancelled. Only monthly intervals for now.
 */
public record Subscription(
    long id,
    long customerId,
    Money amount,
    Interval interval,
    LocalDate startDate,
    LocalDate endDate,
    Status status,
    Instant cancelledAt,
    Instant createdAt) {

  public enum Interval {
    MONTHLY
  }

  public enum Status {
    ACTIVE,
    CANCELLED
  }

  public Subscription {
    Objects.requireNonNull(amount, "amount");
    Objects.requireNonNull(startDate, "startDate");
    if (endDate != null && endDate.isBefore(startDate)) {
      throw new IllegalArgumentException(
          "endDate " + endDate + " is before startDate " + startDate);
    }
  }

  /** Whether an active subscription bills {@code period}: it overlaps the subscription's dates. */
  public boolean bills(YearMonth period) {
    return status == Status.ACTIVE
        && !startDate.isAfter(period.atEndOfMonth())
        && (endDate == null || !endDate.isBefore(period.atDay(1)));
  }
}
