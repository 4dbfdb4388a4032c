package dev.charon.credit.domain;

import dev.charon.money.Money;
import java.time.Instant;
import java.util.Objects;

/**
 * A credit note: a numbered, immutable document that gives back (part of) an invoice. {@code
 * REFUND}: the money went back through the provider (the refund is linked). {@code CREDIT}: no
 * money moved; the amount went to the customer's credit balance.
 */
public record CreditNote(
    long id,
    String number,
    Kind kind,
    long invoiceId,
    Long refundId,
    long customerId,
    Money amount,
    String reason,
    String actor,
    Instant issuedAt) {

  public enum Kind {
    REFUND,
    CREDIT
  }

  public CreditNote {
    Objects.requireNonNull(number, "number");
    Objects.requireNonNull(kind, "kind");
    if ((kind == Kind.REFUND) != (refundId != null)) {
      throw new IllegalArgumentException(
          "credit note " + number + ": a REFUND note names its refund");
    }
  }
}
