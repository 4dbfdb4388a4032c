package dev.charon.payment.domain;

import dev.charon.money.Money;
import java.util.Objects;

/**
 * What Charon asks the provider to charge. The idempotency key belongs to one charge attempt:
 * asking again with the same key must never charge twice. {@code customerReference} is the
 * customer's id at the provider (a Stripe customer id), {@code null} when none is set; providers
 * that know customers by Charon's id ignore it. {@code attemptId} is 0 where no attempt row exists
 * (benchmarks and tests of a provider alone).
 */
public record ChargeRequest(
    long invoiceId,
    long attemptId,
    long customerId,
    String customerReference,
    Money amount,
    String idempotencyKey) {
  public ChargeRequest {
    Objects.requireNonNull(amount, "amount");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    if (idempotencyKey.isBlank() || idempotencyKey.length() > 255) {
      throw new IllegalArgumentException("idempotency key must be 1..255 characters");
    }
    if (amount.minorUnits() <= 0) {
      throw new IllegalArgumentException("amount must be positive");
    }
  }

  /** A request without an attempt row or provider reference. */
  public ChargeRequest(long invoiceId, long customerId, Money amount, String idempotencyKey) {
    this(invoiceId, 0, customerId, null, amount, idempotencyKey);
  }
}
