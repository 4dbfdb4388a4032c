package dev.charon.gateway;

import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Instant;

/**
 * A dispute opened or closed on a charge: one journal line per change, numbered by {@code
 * disputeSeq} in journal order (the cursor of {@code GET /ledger/disputes}). The amount is what was
 * left of the charge when the dispute opened; a LOST dispute takes it off the merchant's books.
 */
record DisputeChange(
    long disputeSeq,
    String disputeId,
    String chargeId,
    long invoiceId,
    long amountMinor,
    String currency,
    Status status,
    Instant at)
    implements JournalEntry {

  enum Status {
    OPEN("open"),
    WON("won"),
    LOST("lost");

    private final String wire;

    Status(String wire) {
      this.wire = wire;
    }

    @JsonValue
    String wire() {
      return wire;
    }
  }

  /** Dispute ids are not idempotency keys, but a journal line names what it is about. */
  @Override
  public String key() {
    return disputeId;
  }

  DisputeChange withDisputeSeq(long seq) {
    return new DisputeChange(
        seq, disputeId, chargeId, invoiceId, amountMinor, currency, status, at);
  }

  DisputeChange closed(Status outcome, Instant when) {
    return new DisputeChange(
        0, disputeId, chargeId, invoiceId, amountMinor, currency, outcome, when);
  }
}
