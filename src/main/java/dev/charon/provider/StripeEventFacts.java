package dev.charon.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.charon.money.Money;
import dev.charon.payment.stripe.StripeAmounts;
import dev.charon.payment.stripe.StripePaymentProvider;
import dev.charon.refund.ProviderFacts;
import java.util.ArrayList;
import java.util.Optional;

/**
 * Applies one Stripe event (docs/architecture.md, "Stripe events"): refunds made outside Charon
 * ({@code refund.created}, {@code refund.updated}, {@code charge.refunded}) and disputes ({@code
 * charge.dispute.created}, {@code charge.dispute.closed}) through {@link ProviderFacts}, the same
 * code the backstops use; {@code payment_intent.succeeded} and {@code
 * payment_intent.payment_failed} through the {@link PaymentIntentSettlement}. Any other type is
 * stored and IGNORED. The object is read from the stored JSON, not from stripe-java's model, so an
 * account pinned to another API version still maps.
 */
final class StripeEventFacts {
  private final ProviderFacts facts;
  private final PaymentIntentSettlement settlement;
  private final String reportedBy;

  /** {@code reportedBy}: "a Stripe event" or "the Stripe backstop", for the history. */
  StripeEventFacts(ProviderFacts facts, PaymentIntentSettlement settlement, String reportedBy) {
    this.facts = facts;
    this.settlement = settlement;
    this.reportedBy = reportedBy;
  }

  EventOutcome apply(String eventId, String type, JsonNode event) {
    var object = event.path("data").path("object");
    return switch (type) {
      case "refund.created", "refund.updated", "charge.refund.updated" -> refund(object);
      case "charge.refunded" -> chargeRefunded(object);
      case "charge.dispute.created" -> dispute(object, "open");
      case "charge.dispute.closed" -> dispute(object, closedAs(object.path("status").asText()));
      case "payment_intent.succeeded", "payment_intent.payment_failed" ->
          settlement.settle(paymentIntent(eventId, type, object));
      default -> EventOutcome.ignored("Charon does not act on " + type);
    };
  }

  /** A refund object: pending and succeeded refunds gave money back; failed, canceled did not. */
  EventOutcome refund(JsonNode r) {
    var status = r.path("status").asText();
    if (!status.equals("succeeded") && !status.equals("pending")) {
      return EventOutcome.ignored(
          "refund " + r.path("id").asText() + " is " + status + ": no money went back");
    }
    var metadata = r.path("metadata");
    var invoice =
        metadataInvoice(metadata)
            .or(() -> facts.invoiceOfPayment(text(r, "charge"), text(r, "payment_intent")));
    if (invoice.isEmpty()) {
      return EventOutcome.unmatched(
          "refund "
              + r.path("id").asText()
              + " of "
              + text(r, "charge")
              + ": Charon knows no charge it refunds",
          null);
    }
    var amount = money(r);
    if (amount.isEmpty()) {
      return EventOutcome.unmatched(
          "refund " + r.path("id").asText() + " in " + r.path("currency").asText(), invoice.get());
    }
    var reason =
        metadata.hasNonNull("charon_reason")
            ? metadata.path("charon_reason").asText()
            : r.hasNonNull("reason") ? r.path("reason").asText() : null;
    return EventOutcome.of(
        facts.refund(
            new ProviderFacts.ExternalRefund(
                r.path("id").asText(),
                invoice.get(),
                amount.get(),
                text(metadata, StripePaymentProvider.IDEMPOTENCY_KEY),
                reason,
                reportedBy)),
        invoice.get());
  }

  /**
   * A charge with its refunds. Since API version 2022-11-15 the charge's {@code refunds} list is no
   * longer in the event: then {@code refund.created} carries each refund (and the backstop pages
   * them), so this event alone changes nothing.
   */
  private EventOutcome chargeRefunded(JsonNode charge) {
    var refunds = charge.path("refunds").path("data");
    if (!refunds.isArray() || refunds.isEmpty()) {
      return EventOutcome.ignored(
          "charge "
              + charge.path("id").asText()
              + " refunded; the event lists no refunds (refund.created and the backstop bring them)");
    }
    var outcomes = new ArrayList<EventOutcome>();
    for (var r : refunds) {
      outcomes.add(refund(r));
    }
    var worst =
        outcomes.stream()
            .filter(o -> o.status() == EventOutcome.Status.UNMATCHED)
            .findFirst()
            .or(
                () ->
                    outcomes.stream()
                        .filter(o -> o.status() == EventOutcome.Status.APPLIED)
                        .findFirst())
            .orElse(outcomes.getFirst());
    var detail = new StringBuilder();
    for (var o : outcomes) {
      detail.append(detail.isEmpty() ? "" : "; ").append(o.detail());
    }
    return new EventOutcome(worst.status(), detail.toString(), worst.invoiceId());
  }

  /** Stripe's closed statuses: won, lost, or warning_closed (an inquiry that took no money). */
  static String closedAs(String status) {
    return switch (status) {
      case "won", "warning_closed" -> "won";
      case "lost" -> "lost";
      default -> status;
    };
  }

  EventOutcome dispute(JsonNode d, String status) {
    var invoice =
        metadataInvoice(d.path("metadata"))
            .or(() -> facts.invoiceOfPayment(text(d, "charge"), text(d, "payment_intent")));
    if (invoice.isEmpty()) {
      return EventOutcome.unmatched(
          "dispute "
              + d.path("id").asText()
              + " on "
              + text(d, "charge")
              + ": Charon knows no such charge",
          null);
    }
    var amount = money(d);
    if (amount.isEmpty()) {
      return EventOutcome.unmatched(
          "dispute " + d.path("id").asText() + " in " + d.path("currency").asText(), invoice.get());
    }
    return EventOutcome.of(
        facts.dispute(
            new ProviderFacts.ExternalDispute(
                d.path("id").asText(), invoice.get(), amount.get(), status, reportedBy)),
        invoice.get());
  }

  private static PaymentIntentSettlement.PaymentIntentEvent paymentIntent(
      String eventId, String type, JsonNode pi) {
    var metadata = pi.path("metadata");
    var error = pi.path("last_payment_error");
    return new PaymentIntentSettlement.PaymentIntentEvent(
        eventId,
        type,
        pi.path("id").asText(),
        pi.path("status").asText(),
        metadataInvoice(metadata),
        Optional.ofNullable(text(metadata, StripePaymentProvider.IDEMPOTENCY_KEY)),
        money(pi),
        Optional.ofNullable(text(pi, "latest_charge")),
        Optional.ofNullable(text(error, "decline_code"))
            .or(() -> Optional.ofNullable(text(error, "code"))),
        Optional.ofNullable(text(error, "message")));
  }

  private static Optional<Long> metadataInvoice(JsonNode metadata) {
    var raw = text(metadata, StripePaymentProvider.INVOICE_ID);
    if (raw == null || !raw.matches("[0-9]{1,18}")) {
      return Optional.empty();
    }
    return Optional.of(Long.parseLong(raw));
  }

  private static Optional<Money> money(JsonNode o) {
    if (!o.path("amount").canConvertToLong() || !o.hasNonNull("currency")) {
      return Optional.empty();
    }
    return StripeAmounts.fromStripe(o.path("amount").asLong(), o.path("currency").asText());
  }

  /** A text field, or null when absent, null or an expanded object (then its id). */
  private static String text(JsonNode o, String field) {
    var v = o.path(field);
    if (v.isTextual()) {
      return v.asText();
    }
    return v.isObject() && v.path("id").isTextual() ? v.path("id").asText() : null;
  }
}
