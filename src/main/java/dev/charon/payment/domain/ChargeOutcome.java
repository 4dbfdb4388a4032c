package dev.charon.payment.domain;

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

  /** The request is known not to have been processed (connection refused, 5xx before work). */
  record Unavailable(String detail) implements ChargeOutcome {}

  /** The request may or may not have been processed (timeout, lost response). */
  record Unknown(String detail) implements ChargeOutcome {}
}
