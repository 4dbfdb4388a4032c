package dev.charon.payment.domain;

import java.util.Objects;
import java.util.Optional;

/**
 * Everything a refund call can end in, answering the one question that matters for money going
 * back: can it have been refunded? {@link Refunded}: yes, for sure. {@link Refused} and {@link
 * Unavailable}: no, nothing happened. {@link Unknown}: perhaps; send the same key again to learn
 * which.
 */
public sealed interface RefundOutcome {

  /** The money went back; {@code reference} identifies the refund at the provider. */
  record Refunded(String reference) implements RefundOutcome {
    public Refunded {
      Objects.requireNonNull(reference, "reference");
    }
  }

  /**
   * The provider refused the refund for a business reason and nothing happened. {@code code} is one
   * of the constants below, the same for every provider, so callers switch on it rather than on a
   * provider's wording; {@code message} is the provider's own explanation, for people.
   */
  record Refused(String code, String message) implements RefundOutcome {
    /** More than what remains refundable on the charge. */
    public static final String OVER_REFUND = "over_refund";

    /** The charge is disputed (open or lost): its money is the dispute's, not the refund's. */
    public static final String CHARGE_DISPUTED = "charge_disputed";

    /** The provider knows no successful charge by that reference (or not for that invoice). */
    public static final String CHARGE_UNKNOWN = "charge_unknown";

    /** The refund's currency is not the charge's. */
    public static final String CURRENCY_MISMATCH = "currency_mismatch";

    /** This provider cannot refund through Charon at all (the legacy contract). */
    public static final String UNSUPPORTED = "unsupported";

    public Refused {
      Objects.requireNonNull(code, "code");
      Objects.requireNonNull(message, "message");
    }
  }

  /**
   * Known not to have been processed (connection refused, the provider's own outage answer, its
   * rate limit: then {@code throttle} is present).
   */
  record Unavailable(String why, Optional<Throttle> throttle) implements RefundOutcome {
    public Unavailable {
      Objects.requireNonNull(throttle, "throttle");
    }

    public Unavailable(String why) {
      this(why, Optional.empty());
    }

    public static Unavailable throttled(String why, Throttle throttle) {
      return new Unavailable(why, Optional.of(throttle));
    }
  }

  /** May or may not have been processed (timeout, lost response): reconcile with the same key. */
  record Unknown(String why) implements RefundOutcome {}
}
