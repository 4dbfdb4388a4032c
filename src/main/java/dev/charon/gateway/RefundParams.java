package dev.charon.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.regex.Pattern;

/** The body of {@code POST /refunds}. Boxed so that a missing field is told apart from zero. */
record RefundParams(
    Long invoiceId, String chargeId, Long amountMinor, String currency, String reason) {
  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
  static final int MAX_TEXT = 500;

  static RefundParams parse(ObjectMapper json, byte[] body) {
    RefundParams params;
    try {
      params = json.readValue(body, RefundParams.class);
    } catch (IOException e) {
      throw GatewayError.badRequest(
          "invalid_body",
          "the body is not a refund: "
              + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
    }
    if (params == null) {
      throw GatewayError.badRequest("invalid_body", "the body is empty");
    }
    positive("invoiceId", params.invoiceId());
    positive("amountMinor", params.amountMinor());
    text("chargeId", params.chargeId(), 255);
    text("reason", params.reason(), MAX_TEXT);
    if (params.currency() == null || !CURRENCY.matcher(params.currency()).matches()) {
      throw GatewayError.badRequest(
          "invalid_body", "currency must be an ISO 4217 code such as EUR");
    }
    return params;
  }

  private static void positive(String field, Long value) {
    if (value == null || value <= 0) {
      throw GatewayError.badRequest("invalid_body", field + " must be a positive integer");
    }
  }

  private static void text(String field, String value, int max) {
    if (value == null || value.isBlank() || value.length() > max) {
      throw GatewayError.badRequest("invalid_body", field + " must hold 1.." + max + " characters");
    }
  }
}
