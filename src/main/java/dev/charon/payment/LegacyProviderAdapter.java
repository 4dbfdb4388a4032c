package dev.charon.payment;

import dev.charon.payment.LegacyPaymentProvider.CurrencyMismatchException;
import dev.charon.payment.LegacyPaymentProvider.CustomerNotFoundException;
import dev.charon.payment.LegacyPaymentProvider.NetworkException;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.payment.domain.RefundRequest;

/**
 * Maps the original boolean-plus-exceptions contract onto {@link ChargeOutcome}.
 *
 * <p>A legacy provider takes no idempotency key, so it cannot be asked "did that charge happen?". A
 * {@link NetworkException} is therefore taken at the original contract's word ("try again") and
 * becomes {@link ChargeOutcome.Unavailable}; nothing it can say is {@link ChargeOutcome.Unknown},
 * and a response lost after a charge would be charged again. That risk is why Charon's contract
 * carries the key.
 */
public final class LegacyProviderAdapter implements PaymentProvider {
  private final LegacyPaymentProvider legacy;

  public LegacyProviderAdapter(LegacyPaymentProvider legacy) {
    this.legacy = legacy;
  }

  @Override
  public ChargeOutcome charge(ChargeRequest request) {
    var invoice =
        new LegacyPaymentProvider.Invoice(
            request.invoiceId(), request.customerId(), request.amount());
    try {
      // The legacy provider returns no reference: the attempt's key is the best we can record.
      return legacy.charge(invoice)
          ? new ChargeOutcome.Charged("legacy:" + request.idempotencyKey())
          : new ChargeOutcome.Declined("insufficient_funds");
    } catch (CustomerNotFoundException e) {
      return new ChargeOutcome.CustomerNotFound(e.getMessage());
    } catch (CurrencyMismatchException e) {
      return new ChargeOutcome.CurrencyMismatch(e.getMessage());
    } catch (NetworkException e) {
      return new ChargeOutcome.Unavailable("network error: " + e.getMessage());
    }
  }

  /**
   * The original contract has no refund: refused as a value, so a refund requested against this
   * provider fails visibly and changes nothing, rather than throwing in the refund executor.
   */
  @Override
  public RefundOutcome refund(RefundRequest request) {
    return new RefundOutcome.Refused(
        RefundOutcome.Refused.UNSUPPORTED,
        "the legacy provider contract cannot refund; refund invoice "
            + request.invoiceId()
            + " at the provider directly");
  }
}
