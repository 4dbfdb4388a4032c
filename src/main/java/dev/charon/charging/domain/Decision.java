package dev.charon.charging.domain;

import dev.charon.invoice.domain.InvoiceTransition;
import java.time.Instant;

/**
 * What a provider outcome means for the invoice. Pure data, decided by {@link ChargePolicy}; each
 * decision that settles the invoice names its transition, so the engine records it without asking
 * which decision it is.
 */
public sealed interface Decision {
  /** A short reason written to history and, for failures, to {@code last_failure}. */
  String reason();

  /** How metrics name this kind of decision. */
  String kind();

  /** Completes the attempt and moves the invoice out of PROCESSING. */
  sealed interface Final extends Decision {
    InvoiceTransition transition();

    /** When the invoice was paid; null unless it was. */
    default Instant paidAt() {
      return null;
    }

    /** When the invoice is charged again; null when it is not retried automatically. */
    default Instant nextAttemptAt() {
      return null;
    }

    /** What goes to {@code last_failure}; null when nothing failed. */
    default String failure() {
      return reason();
    }
  }

  record Paid(String providerReference, Instant paidAt) implements Final {
    @Override
    public String reason() {
      return "charged " + providerReference;
    }

    @Override
    public String kind() {
      return "paid";
    }

    @Override
    public InvoiceTransition transition() {
      return InvoiceTransition.PAY;
    }

    @Override
    public String failure() {
      return null;
    }
  }

  /** A retryable failure: a fresh attempt (new idempotency key) at {@code at}. */
  record RetryAt(Instant at, String reason) implements Final {
    @Override
    public String kind() {
      return "retry_scheduled";
    }

    @Override
    public InvoiceTransition transition() {
      return InvoiceTransition.SCHEDULE_RETRY;
    }

    @Override
    public Instant nextAttemptAt() {
      return at;
    }
  }

  /** An operator must fix the cause; no automatic retry. */
  record NeedsAction(String reason) implements Final {
    @Override
    public String kind() {
      return "action_required";
    }

    @Override
    public InvoiceTransition transition() {
      return InvoiceTransition.REQUIRE_ACTION;
    }
  }

  /** Dunning exhausted. */
  record Uncollectible(String reason) implements Final {
    @Override
    public String kind() {
      return "uncollectible";
    }

    @Override
    public InvoiceTransition transition() {
      return InvoiceTransition.GIVE_UP;
    }
  }

  /**
   * The provider may have processed the call: ask again with the same key at {@code at}. The
   * invoice stays PROCESSING and its attempt open.
   */
  record Reconcile(Instant at, String reason) implements Decision {
    @Override
    public String kind() {
      return "reconcile";
    }
  }
}
