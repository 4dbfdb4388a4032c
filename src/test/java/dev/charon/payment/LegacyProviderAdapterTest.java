package dev.charon.payment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import org.junit.jupiter.api.Test;

class LegacyProviderAdapterTest {
  static final ChargeRequest REQUEST =
      new ChargeRequest(7, 3, Money.ofMinor(990, Currency.GBP), "attempt-1");

  static ChargeOutcome charge(LegacyPaymentProvider legacy) {
    return new LegacyProviderAdapter(legacy).charge(REQUEST);
  }

  @Test
  void true_is_charged_and_false_is_declined() {
    assertThat(charge(invoice -> true)).isEqualTo(new ChargeOutcome.Charged("legacy:attempt-1"));
    assertThat(charge(invoice -> false)).isInstanceOf(ChargeOutcome.Declined.class);
  }

  @Test
  void the_legacy_provider_sees_the_invoice_it_is_asked_to_charge() {
    var seen = new LegacyPaymentProvider.Invoice[1];
    charge(invoice -> (seen[0] = invoice) != null);

    assertThat(seen[0])
        .isEqualTo(new LegacyPaymentProvider.Invoice(7, 3, Money.ofMinor(990, Currency.GBP)));
  }

  @Test
  void each_exception_maps_to_its_outcome() {
    assertThat(
            charge(
                i -> {
                  throw new LegacyPaymentProvider.CustomerNotFoundException("no 3");
                }))
        .isEqualTo(new ChargeOutcome.CustomerNotFound("no 3"));
    assertThat(
            charge(
                i -> {
                  throw new LegacyPaymentProvider.CurrencyMismatchException("GBP vs EUR");
                }))
        .isEqualTo(new ChargeOutcome.CurrencyMismatch("GBP vs EUR"));
    assertThat(
            charge(
                i -> {
                  throw new LegacyPaymentProvider.NetworkException("reset");
                }))
        .isInstanceOf(ChargeOutcome.Unavailable.class);
  }

  @Test
  void a_refund_is_refused_as_unsupported_and_never_reaches_the_legacy_provider() {
    var called = new boolean[1];
    var outcome =
        new LegacyProviderAdapter(invoice -> called[0] = true)
            .refund(
                new dev.charon.payment.domain.RefundRequest(
                    7, "legacy:attempt-1", Money.ofMinor(990, Currency.GBP), "ref-1", "oops"));

    assertThat(outcome)
        .isInstanceOfSatisfying(
            dev.charon.payment.domain.RefundOutcome.Refused.class,
            r -> assertThat(r.code()).isEqualTo("unsupported"));
    assertThat(called[0]).isFalse();
  }
}
