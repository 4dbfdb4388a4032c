package dev.charon.refund.domain;

import dev.charon.money.Money;
import java.time.Instant;
import java.util.Objects;

/** One refund of an invoice as stored: what was asked, by whom, and how it ended. */
public record Refund(
    long id,
    long invoiceId,
    int refundNo,
    long customerId,
    Money amount,
    String reason,
    String actor,
    RefundStatus status,
    String source,
    String idempotencyKey,
    String providerReference,
    String failureCode,
    String failure,
    int calls,
    Instant nextAttemptAt,
    Instant createdAt,
    Instant settledAt) {

  public Refund {
    Objects.requireNonNull(amount, "amount");
    Objects.requireNonNull(status, "status");
    if (amount.minorUnits() <= 0) {
      throw new IllegalArgumentException("refund " + id + " has a non-positive amount");
    }
  }
}
