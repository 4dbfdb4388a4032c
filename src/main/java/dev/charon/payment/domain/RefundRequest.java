package dev.charon.payment.domain;

import dev.charon.money.Money;
import java.util.Objects;

/**
 * What Charon asks the provider to give back: {@code amount} of the successful charge the provider
 * knows as {@code chargeReference} (the reference its {@link ChargeOutcome.Charged} carried). The
 * idempotency key belongs to one refund of one invoice ({@link IdempotencyKeys#refund}): asking
 * again with the same key must never refund twice, and is how an unknown answer is reconciled.
 */
public record RefundRequest(
    long invoiceId, String chargeReference, Money amount, String idempotencyKey, String reason) {
  public static final int MAX_REASON = 500;

  public RefundRequest {
    Objects.requireNonNull(chargeReference, "chargeReference");
    Objects.requireNonNull(amount, "amount");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(reason, "reason");
    if (invoiceId <= 0) {
      throw new IllegalArgumentException("invoiceId must be positive, was " + invoiceId);
    }
    if (chargeReference.isBlank() || chargeReference.length() > 255) {
      throw new IllegalArgumentException("charge reference must be 1..255 characters");
    }
    if (idempotencyKey.isBlank() || idempotencyKey.length() > 255) {
      throw new IllegalArgumentException("idempotency key must be 1..255 characters");
    }
    if (amount.minorUnits() <= 0) {
      throw new IllegalArgumentException("a refund's amount must be positive, was " + amount);
    }
    if (reason.isBlank() || reason.length() > MAX_REASON) {
      throw new IllegalArgumentException("reason must be 1.." + MAX_REASON + " characters");
    }
  }
}
