package dev.charon.charging.domain;

import java.time.Instant;

/** What a provider outcome means for the invoice. Pure data, decided by {@link ChargePolicy}. */
public sealed interface Decision {
  /** A short reason written to history and, for failures, to {@code last_failure}. */
  String reason();

  record Paid(String providerReference, Instant paidAt) implements Decision {
    @Override
    public String reason() {
      return "charged " + providerReference;
    }
  }

  /** A retryable failure: a fresh attempt (new idempotency key) at {@code at}. */
  record RetryAt(Instant at, String reason) implements Decision {}

  /** An operator must fix the cause; no automatic retry. */
  record NeedsAction(String reason) implements Decision {}

  /** Dunning exhausted. */
  record Uncollectible(String reason) implements Decision {}

  /** The provider may have processed the call: ask again with the same key at {@code at}. */
  record Reconcile(Instant at, String reason) implements Decision {}
}
