package dev.charon.payment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.payment.domain.RefundRequest;
import java.util.LinkedHashMap;
import java.util.Set;

/**
 * The refund half of the {@code charon gateway} protocol ({@code POST /refunds}, docs/gateway.md):
 * the request body, and what each answer means. Like a charge, only the gateway's own refusal codes
 * say "nothing happened"; every other failure can follow processing and is {@link
 * RefundOutcome.Unknown}.
 */
final class GatewayRefundAnswers {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Set<String> REFUSALS =
      Set.of(
          RefundOutcome.Refused.OVER_REFUND,
          RefundOutcome.Refused.CHARGE_DISPUTED,
          RefundOutcome.Refused.CHARGE_UNKNOWN,
          RefundOutcome.Refused.CURRENCY_MISMATCH);

  private GatewayRefundAnswers() {}

  /** Through Jackson, not by hand as a charge's body is: the reason is free text. */
  static byte[] body(RefundRequest request) {
    var body = new LinkedHashMap<String, Object>();
    body.put("invoiceId", request.invoiceId());
    body.put("chargeId", request.chargeReference());
    body.put("amountMinor", request.amount().minorUnits());
    body.put("currency", request.amount().currency().name());
    body.put("reason", request.reason());
    try {
      return JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a map of strings and numbers always serializes", e);
    }
  }

  static RefundOutcome outcome(RefundRequest request, int status, String body) {
    var json = parse(body);
    var code = json.path("code").asText("");
    return switch (status) {
      case 201 -> {
        var refundId = json.path("refundId").asText("");
        if (refundId.isEmpty()) {
          throw new PaymentProviderException("refunded without a refundId", request, status, body);
        }
        yield new RefundOutcome.Refunded(refundId);
      }
      case 422 -> {
        if ("refused".equals(json.path("outcome").asText("")) && REFUSALS.contains(code)) {
          yield new RefundOutcome.Refused(code, json.path("message").asText(code));
        }
        // idempotency_key_reuse and anything else: Charon sent something it should not have.
        throw new PaymentProviderException("refund rejected (" + code + ")", request, status, body);
      }
      case 409 ->
          new RefundOutcome.Unknown("the provider is still processing this key (" + code + ")");
      case 503 ->
          switch (code) {
            case "outage", "network_error" ->
                new RefundOutcome.Unavailable("provider unavailable (" + code + ")");
            default ->
                new RefundOutcome.Unknown(
                    "HTTP 503 without the provider's refusal code (" + code + ")");
          };
      default -> {
        if (status >= 500) {
          yield new RefundOutcome.Unknown(
              "provider failed with HTTP " + status + " (" + code + ")");
        }
        throw new PaymentProviderException("unexpected response", request, status, body);
      }
    };
  }

  /** A call that got no answer, classified by the charge path's rules (the same transport). */
  static RefundOutcome failed(ChargeOutcome transportFailure) {
    return switch (transportFailure) {
      case ChargeOutcome.Unavailable u -> new RefundOutcome.Unavailable(u.detail(), u.throttle());
      case ChargeOutcome.Unknown u -> new RefundOutcome.Unknown(u.detail());
      default -> throw new IllegalStateException("not a transport failure: " + transportFailure);
    };
  }

  private static JsonNode parse(String body) {
    try {
      return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (JsonProcessingException e) {
      return JSON.createObjectNode();
    }
  }
}
