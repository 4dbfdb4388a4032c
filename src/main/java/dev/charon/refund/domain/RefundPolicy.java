package dev.charon.refund.domain;

import dev.charon.charging.domain.Backoff;
import dev.charon.payment.domain.RefundOutcome;
import java.time.Instant;
import java.util.function.DoubleSupplier;

/**
 * What a refund call's outcome means for the refund, decided without side effects: {@code now} and
 * the randomness are arguments. Refunded settles it; Refused fails it (nothing happened, the
 * reservation is released); Unavailable and Unknown offer it again later with the same key, never a
 * new one: an Unknown may have refunded, and only the key's replay can tell.
 */
public record RefundPolicy(Backoff unavailable, Backoff unknown) {

  public sealed interface Decision {
    record Succeed(String providerReference) implements Decision {}

    record Fail(String code, String message) implements Decision {}

    /**
     * Send again at {@code at}. {@code neverProcessed}: no call of this refund can have reached the
     * provider's books (every call so far was Unavailable), so the refund is REQUESTED again.
     */
    record Retry(Instant at, String detail, boolean neverProcessed) implements Decision {}
  }

  /**
   * {@code calls}: the calls made so far, this one included; {@code untouched}: the refund was
   * REQUESTED (never possibly processed) before this call.
   */
  public Decision decide(
      RefundOutcome outcome, int calls, boolean untouched, Instant now, DoubleSupplier random) {
    return switch (outcome) {
      case RefundOutcome.Refunded r -> new Decision.Succeed(r.reference());
      case RefundOutcome.Refused r -> new Decision.Fail(r.code(), r.message());
      case RefundOutcome.Unavailable u ->
          new Decision.Retry(
              now.plus(unavailable.delay(calls, random)),
              "provider unavailable: " + u.why(),
              untouched);
      case RefundOutcome.Unknown u ->
          new Decision.Retry(
              now.plus(unknown.delay(calls, random)),
              "outcome unknown, reconciling: " + u.why(),
              false);
    };
  }
}
