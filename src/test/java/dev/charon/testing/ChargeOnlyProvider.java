package dev.charon.testing;

import dev.charon.payment.PaymentProvider;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.payment.domain.RefundRequest;
import java.util.function.Function;

/**
 * A provider written as a lambda for tests that only charge: {@code ChargeOnlyProvider.of(request
 * -> ...)}. A refund through it is refused as unsupported, so a test that refunds by mistake fails
 * on the outcome rather than passing quietly.
 */
public final class ChargeOnlyProvider implements PaymentProvider {
  private final Function<ChargeRequest, ChargeOutcome> charges;

  private ChargeOnlyProvider(Function<ChargeRequest, ChargeOutcome> charges) {
    this.charges = charges;
  }

  public static PaymentProvider of(Function<ChargeRequest, ChargeOutcome> charges) {
    return new ChargeOnlyProvider(charges);
  }

  @Override
  public ChargeOutcome charge(ChargeRequest request) {
    return charges.apply(request);
  }

  @Override
  public RefundOutcome refund(RefundRequest request) {
    return new RefundOutcome.Refused(
        RefundOutcome.Refused.UNSUPPORTED, "this test's provider only charges");
  }
}
