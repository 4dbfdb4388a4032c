package dev.charon.payment.domain;

import java.util.Objects;
import java.util.Optional;

/**
 * Everything a provider call can end in. Business rejections are values, not exceptions, and a
 * {@code switch} over this type must handle each one.
 */
public sealed interface ChargeOutcome {

  /** The account was charged; {@code providerReference} identifies the charge at the provider. */
  record Charged(String providerReference) implements ChargeOutcome {}

  /**
   * The provider declined the charge; {@code reason} is its decline code ({@link DeclineCode}),
   * {@code detail} what else it said (advice codes, card network, the payment left waiting).
   */
  record Declined(String reason, DeclineDetail detail) implements ChargeOutcome {
    public Declined {
      detail = detail == null ? DeclineDetail.NONE : detail;
    }

    public Declined(String reason) {
      this(reason, DeclineDetail.NONE);
    }
  }

  /** The provider does not know the customer. */
  record CustomerNotFound(String detail) implements ChargeOutcome {}

  /** The invoice's currency differs from the customer's account at the provider. */
  record CurrencyMismatch(String detail) implements ChargeOutcome {}

  /**
   * The request is known not to have been processed (connection refused, 5xx before work); {@code
   * throttle} present when the provider refused it for its rate limit (HTTP 429), which the shared
   * rate limit feeds on.
   */
  record Unavailable(String detail, Optional<Throttle> throttle) implements ChargeOutcome {
    public Unavailable {
      Objects.requireNonNull(throttle, "throttle");
    }

    public Unavailable(String detail) {
      this(detail, Optional.empty());
    }

    public static Unavailable throttled(String detail, Throttle throttle) {
      return new Unavailable(detail, Optional.of(throttle));
    }
  }

  /** The request may or may not have been processed (timeout, lost response). */
  record Unknown(String detail) implements ChargeOutcome {}
}
