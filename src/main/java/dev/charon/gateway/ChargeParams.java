package dev.charon.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.regex.Pattern;

/** The body of {@code POST /charges}. Boxed so that a missing field is told apart from zero. */
record ChargeParams(Long invoiceId, Long customerId, Long amountMinor, String currency) {
  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

  static ChargeParams parse(ObjectMapper json, byte[] body) {
    ChargeParams params;
    try {
      params = json.readValue(body, ChargeParams.class);
    } catch (IOException e) {
      throw GatewayError.badRequest(
          "invalid_body",
          "the body is not a charge: "
              + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
    }
    if (params == null) {
      throw GatewayError.badRequest("invalid_body", "the body is empty");
    }
    positive("invoiceId", params.invoiceId());
    positive("customerId", params.customerId());
    positive("amountMinor", params.amountMinor());
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
}
