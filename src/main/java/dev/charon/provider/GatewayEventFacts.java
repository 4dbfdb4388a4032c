package dev.charon.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.charon.refund.GatewayBackstop;
import dev.charon.refund.ProviderFacts;

/**
 * Applies one of the gateway's signed events (docs/gateway.md, "Signed events"): {@code
 * refund.created} and {@code dispute.opened} / {@code dispute.closed}, whose {@code data} is the
 * entry of {@code /ledger/refunds} or {@code /ledger/disputes} the backstop pages, applied through
 * the same conversion and the same {@link ProviderFacts}.
 */
final class GatewayEventFacts {
  static final String REPORTED_BY = "a gateway event";

  private final ProviderFacts facts;

  GatewayEventFacts(ProviderFacts facts) {
    this.facts = facts;
  }

  EventOutcome apply(String type, JsonNode event) {
    var data = event.path("data");
    long invoice = data.path("invoiceId").asLong();
    try {
      return switch (type) {
        case "refund.created" ->
            EventOutcome.of(facts.refund(GatewayBackstop.refundOf(data, REPORTED_BY)), invoice);
        case "dispute.opened", "dispute.closed" ->
            EventOutcome.of(facts.dispute(GatewayBackstop.disputeOf(data, REPORTED_BY)), invoice);
        default -> EventOutcome.ignored("Charon does not act on the gateway's " + type);
      };
    } catch (IllegalArgumentException e) { // a currency Charon does not know
      return EventOutcome.unmatched("the gateway's " + type + ": " + e.getMessage(), invoice);
    }
  }
}
