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
}
