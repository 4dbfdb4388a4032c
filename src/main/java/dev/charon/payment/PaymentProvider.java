package dev.charon.payment;

import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.payment.domain.RefundRequest;

/**
 * An external payment provider. Implementations never throw for a provider-side outcome: network
 * trouble is {@code Unavailable} or {@code Unknown}, depending on whether the request can have been
 * processed; a business refusal is a value ({@link ChargeOutcome.Declined}, {@link
 * RefundOutcome.Refused}). They throw only for Charon's own bugs (a key reused with other
 * parameters, a malformed request), as {@link PaymentProviderException}.
 */
public interface PaymentProvider {
  ChargeOutcome charge(ChargeRequest request);

  /** Gives back part or all of a successful charge, at most once per idempotency key. */
  RefundOutcome refund(RefundRequest request);
}
