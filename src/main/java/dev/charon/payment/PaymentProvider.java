package dev.charon.payment;

import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;

/**
 * An external payment provider. Implementations never throw for a provider-side outcome: network
 * trouble is {@link ChargeOutcome.Unavailable} or {@link ChargeOutcome.Unknown}, depending on
 * whether the request can have been processed.
 */
public interface PaymentProvider {
  ChargeOutcome charge(ChargeRequest request);
}
