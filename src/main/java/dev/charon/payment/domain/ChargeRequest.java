package dev.charon.payment.domain;

import dev.charon.money.Money;
import java.util.Objects;

/**
 * What Charon asks the provider to charge. The idempotency key belongs to one charge attempt:
 * asking again with the same key must never charge twice.
 */
public record ChargeRequest(long invoiceId, long customerId, Money amount, String idempotencyKey) {
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
}
