package dev.charon.refund.domain;

import dev.charon.money.Money;
import java.time.Instant;
import java.util.Objects;

/**
 * A dispute (chargeback) the provider reported on an invoice's charge. OPEN: the invoice is
 * DISPUTED and someone must answer it at the provider. WON: the money stayed. LOST: the provider
 * took the amount back; it is off the books.
 */
public record Dispute(
    long id,
    long invoiceId,
    long customerId,
    String providerDisputeId,
    Money amount,
    Status status,
    Instant openedAt,
    Instant closedAt) {

  public enum Status {
    OPEN,
    WON,
    LOST
  }

  public Dispute {
    Objects.requireNonNull(providerDisputeId, "providerDisputeId");
    Objects.requireNonNull(amount, "amount");
    Objects.requireNonNull(status, "status");
    if ((status == Status.OPEN) != (closedAt == null)) {
      throw new IllegalArgumentException(
          "dispute " + id + " is " + status + " closed at " + closedAt);
    }
  }
}
