package dev.charon.payment;

/**
 * An external payment provider. Implementations never throw for a provider-side outcome: network
 * trouble is {@link ChargeOutcome.Unavailable} or {@link ChargeOutcome.Unknown}, depending on
 * whether the request can have been processed.
 */
public interface PaymentProvider {
  ChargeOutcome charge(ChargeRequest request);
}
