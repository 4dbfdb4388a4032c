package dev.charon.invoice.domain;

import dev.charon.money.Money;
import java.util.Optional;

/**
 * What an invoice can still give back, read under the invoice's row lock: its status, its amount,
 * what the provider was charged (the amount less what the credit balance paid), what refunds hold
 * (requested, unknown or succeeded: an unsettled refund may have been paid out), and what credit
 * notes without a refund already credited. A refund takes at most what was charged and not yet
 * held; refunds and credits together never exceed the invoice.
 */
public record Refundable(
    long invoiceId,
    InvoiceStatus status,
    Money amount,
    long chargedMinor,
    long heldMinor,
    long creditedMinor) {

  /** How a request for a refund is answered; a rejection names the field at fault. */
  public sealed interface Decision {
    record Accept(Money amount) implements Decision {}

    record Reject(String field, String detail) implements Decision {}
  }

  /** The most a new refund may take. */
  public long remainingMinor() {
    return Math.max(
        0, Math.min(chargedMinor - heldMinor, amount.minorUnits() - heldMinor - creditedMinor));
  }

  /** A refund of {@code requested}, or of everything remaining when absent. */
  public Decision refund(Optional<Money> requested) {
    if (!InvoiceTransition.REFUND_PARTLY.allowedFrom(status)) {
      return new Decision.Reject(
          "invoiceId",
          "invoice "
              + invoiceId
              + " is "
              + status
              + "; only a paid or partly refunded invoice can be refunded");
    }
    var remaining = Money.ofMinor(remainingMinor(), amount.currency());
    if (requested.isPresent() && requested.get().currency() != amount.currency()) {
      return new Decision.Reject(
          "amount.currency",
          "invoice "
              + invoiceId
              + " is in "
              + amount.currency()
              + ", not "
              + requested.get().currency());
    }
    if (remaining.minorUnits() == 0) {
      return new Decision.Reject(
          "amount",
          "nothing of invoice "
              + invoiceId
              + " remains refundable (charged "
              + Money.ofMinor(chargedMinor, amount.currency())
              + ", already refunded or being refunded "
              + Money.ofMinor(heldMinor, amount.currency())
              + ")");
    }
    var wanted = requested.orElse(remaining);
    if (wanted.minorUnits() > remaining.minorUnits()) {
      return new Decision.Reject(
          "amount.value",
          wanted
              + " is more than the "
              + remaining
              + " that remains refundable on invoice "
              + invoiceId);
    }
    return new Decision.Accept(wanted);
  }

  /** A credit (no money moves) of {@code requested}: allowed on any invoice not voided. */
  public Decision credit(Money requested) {
    if (status == InvoiceStatus.VOID) {
      return new Decision.Reject(
          "invoiceId", "invoice " + invoiceId + " is VOID; nothing is owed to credit");
    }
    if (requested.currency() != amount.currency()) {
      return new Decision.Reject(
          "amount.currency",
          "invoice " + invoiceId + " is in " + amount.currency() + ", not " + requested.currency());
    }
    long room = amount.minorUnits() - heldMinor - creditedMinor;
    if (requested.minorUnits() > room) {
      return new Decision.Reject(
          "amount.value",
          requested
              + " is more than the "
              + Money.ofMinor(Math.max(0, room), amount.currency())
              + " of invoice "
              + invoiceId
              + " not yet refunded or credited");
    }
    return new Decision.Accept(requested);
  }
}
