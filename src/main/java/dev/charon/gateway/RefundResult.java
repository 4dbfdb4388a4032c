package dev.charon.gateway;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;

/**
 * The first result of a refund's idempotency key: one journal line, and everything needed to answer
 * a replay byte for byte. {@code refundSeq} numbers successful refunds 1, 2, 3... in journal order
 * (the cursor of {@code GET /ledger/refunds}); a refusal has 0 and a {@code code}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record RefundResult(
    long refundSeq,
    String key,
    long invoiceId,
    String chargeId,
    long amountMinor,
    String currency,
    String reason,
    Outcome outcome,
    String refundId,
    String code,
    String message,
    Instant at)
    implements JournalEntry {

  enum Outcome {
    REFUNDED("refunded", 201),
    REFUSED("refused", 422);

    private final String wire;
    private final int status;

    Outcome(String wire, int status) {
      this.wire = wire;
      this.status = status;
    }

    @JsonValue
    String wire() {
      return wire;
    }
  }

  static RefundResult refunded(String key, RefundParams p, String refundId, Instant at) {
    return new RefundResult(
        0,
        key,
        p.invoiceId(),
        p.chargeId(),
        p.amountMinor(),
        p.currency(),
        p.reason(),
        Outcome.REFUNDED,
        refundId,
        null,
        null,
        at);
  }

  static RefundResult refused(String key, RefundParams p, String code, String message, Instant at) {
    return new RefundResult(
        0,
        key,
        p.invoiceId(),
        p.chargeId(),
        p.amountMinor(),
        p.currency(),
        p.reason(),
        Outcome.REFUSED,
        null,
        code,
        message,
        at);
  }

  boolean refunded() {
    return outcome == Outcome.REFUNDED;
  }

  boolean matches(RefundParams p) {
    return invoiceId == p.invoiceId()
        && chargeId.equals(p.chargeId())
        && amountMinor == p.amountMinor()
        && currency.equals(p.currency())
        && reason.equals(p.reason());
  }

  RefundResult withRefundSeq(long seq) {
    return new RefundResult(
        seq,
        key,
        invoiceId,
        chargeId,
        amountMinor,
        currency,
        reason,
        outcome,
        refundId,
        code,
        message,
        at);
  }

  int status() {
    return outcome.status;
  }

  /** The response body, rendered only from stored fields so a replay is identical. */
  byte[] responseBody(ObjectMapper json) {
    var body = new LinkedHashMap<String, Object>();
    body.put("outcome", outcome.wire);
    switch (outcome) {
      case REFUNDED -> body.put("refundId", refundId);
      case REFUSED -> {
        body.put("code", code);
        body.put("message", message);
      }
    }
    body.put("invoiceId", invoiceId);
    body.put("chargeId", chargeId);
    body.put("amountMinor", amountMinor);
    body.put("currency", currency);
    try {
      return json.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
