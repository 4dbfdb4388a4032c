package dev.charon.gateway;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.charon.payment.fake.FaultProfile;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * The first result of an idempotency key: one journal line, one ledger row, and everything needed
 * to render the same response again, byte for byte, after any number of restarts. {@code chargeSeq}
 * numbers successful charges 1, 2, 3... in journal order; other results have 0.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record StoredResult(
    long chargeSeq,
    String key,
    long invoiceId,
    long customerId,
    long amountMinor,
    String currency,
    Outcome outcome,
    String chargeId,
    String reason,
    Instant at)
    implements ChargeBook.Slot, JournalEntry {

  enum Outcome {
    CHARGED("charged", 201),
    DECLINED("declined", 402),
    CUSTOMER_NOT_FOUND("customer_not_found", 422),
    CURRENCY_MISMATCH("currency_mismatch", 422);

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

  static StoredResult decide(FaultProfile faults, String key, ChargeParams p, Instant at) {
    var decided = faults.decide(key, p.customerId(), p.invoiceId(), at);
    var outcome =
        switch (decided.verdict()) {
          case CHARGED -> Outcome.CHARGED;
          case DECLINED -> Outcome.DECLINED;
          case CUSTOMER_NOT_FOUND -> Outcome.CUSTOMER_NOT_FOUND;
          case CURRENCY_MISMATCH -> Outcome.CURRENCY_MISMATCH;
        };
    var reason =
        switch (outcome) {
          case CHARGED -> null;
          case DECLINED -> decided.code().code();
          case CUSTOMER_NOT_FOUND -> "no customer " + p.customerId() + " at the provider";
          case CURRENCY_MISMATCH ->
              "the account of customer " + p.customerId() + " is not in " + p.currency();
        };
    var chargeId = outcome == Outcome.CHARGED ? faults.chargeId(key) : null;
    return new StoredResult(
        0,
        key,
        p.invoiceId(),
        p.customerId(),
        p.amountMinor(),
        p.currency(),
        outcome,
        chargeId,
        reason,
        at);
  }

  boolean charged() {
    return outcome == Outcome.CHARGED;
  }

  boolean matches(ChargeParams p) {
    return invoiceId == p.invoiceId()
        && customerId == p.customerId()
        && amountMinor == p.amountMinor()
        && currency.equals(p.currency());
  }

  StoredResult withChargeSeq(long seq) {
    return new StoredResult(
        seq, key, invoiceId, customerId, amountMinor, currency, outcome, chargeId, reason, at);
  }

  int status() {
    return outcome.status;
  }

  /** The response body, rendered only from stored fields so a replay is identical. */
  /**
   * The response body, written field by field with Jackson's generator (the gateway's hot path,
   * issue 26): the same bytes a map of these fields serialized to, in the same order.
   */
  byte[] responseBody(ObjectMapper json) {
    var out = new java.io.ByteArrayOutputStream(160);
    try (var g = json.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("outcome", outcome.wire);
      switch (outcome) {
        case CHARGED -> g.writeStringField("chargeId", chargeId);
        case DECLINED -> g.writeStringField("reason", reason);
        case CUSTOMER_NOT_FOUND, CURRENCY_MISMATCH -> {
          g.writeStringField("code", outcome.wire);
          g.writeStringField("message", reason);
        }
      }
      g.writeNumberField("invoiceId", invoiceId);
      g.writeNumberField("amountMinor", amountMinor);
      g.writeStringField("currency", currency);
      g.writeEndObject();
    } catch (java.io.IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
