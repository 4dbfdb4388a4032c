package dev.charon.invoice.domain;

import dev.charon.money.Money;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.Objects;

/** One invoice as stored: the amount owed, where it stands, and when things happened. */
public record Invoice(
    long id,
    long customerId,
    Money amount,
    InvoiceStatus status,
    YearMonth billingPeriod,
    LocalDate dueDate,
    Instant createdAt,
    Instant updatedAt,
    Instant paidAt,
    int attemptCount,
    Instant nextAttemptAt,
    String lastFailure,
    long version,
    long creditedMinor,
    long refundedMinor,
    long lostInDisputesMinor) {

  /** What the provider was (or is to be) charged: the amount less what the credit balance paid. */
  public Money charged() {
    return Money.ofMinor(amount.minorUnits() - creditedMinor, amount.currency());
  }

  public Invoice {
    Objects.requireNonNull(amount, "amount");
    Objects.requireNonNull(status, "status");
    if (amount.minorUnits() <= 0) {
      throw new IllegalArgumentException("invoice " + id + " has a non-positive amount");
    }
    if (creditedMinor < 0
        || refundedMinor < 0
        || creditedMinor + refundedMinor > amount.minorUnits()) {
      throw new IllegalArgumentException(
          "invoice " + id + " credits or refunds more than its amount");
    }
    if (lostInDisputesMinor < 0) {
      throw new IllegalArgumentException("invoice " + id + " lost a negative amount in disputes");
    }
  }
}
