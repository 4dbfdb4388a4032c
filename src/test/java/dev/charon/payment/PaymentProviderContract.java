package dev.charon.payment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What every provider adapter must do, checked the same way for each (the simulator in-process, the
 * gateway as its own process over HTTP, Stripe through the official client against an independent
 * emulator). A subclass says how to make its provider pay, decline, not know a customer and lose a
 * response, and how to read the provider's own ledger; the assertions are here, once.
 */
abstract class PaymentProviderContract {
  /** One successful charge as the provider's own ledger records it. */
  record LedgerCharge(String chargeId, Money amount) {}

  private static final AtomicLong INVOICES = new AtomicLong(System.nanoTime() % 1_000_000_000L);

  abstract PaymentProvider provider();

  /** A request for a customer whose charges succeed. */
  abstract ChargeRequest paying(long invoiceId, Money amount, String key);

  /** A request that the provider declines with {@code declineCode}. */
  abstract ChargeRequest declining(String declineCode, long invoiceId, Money amount, String key);

  /** The decline codes this provider can be made to answer. */
  abstract List<String> declineCodes();

  /** A request for a customer the provider does not know. */
  abstract ChargeRequest unknownCustomer(long invoiceId, Money amount, String key);

  /** The next charge call is processed by the provider, but its answer never arrives. */
  abstract void loseNextResponse();

  /** The provider's own record of successful charges for one invoice. */
  abstract List<LedgerCharge> ledger(long invoiceId);

  static long newInvoice() {
    return INVOICES.incrementAndGet();
  }

  static String newKey() {
    return "contract-" + UUID.randomUUID();
  }

  @Test
  void a_replayed_key_returns_the_first_result_and_charges_once() {
    long invoice = newInvoice();
    var request = paying(invoice, Money.ofMinor(4_200, Currency.EUR), newKey());

    var first = provider().charge(request);
    var replay = provider().charge(request);

    assertThat(first).isInstanceOf(ChargeOutcome.Charged.class);
    assertThat(replay).isEqualTo(first);
    assertThat(ledger(invoice))
        .containsExactly(
            new LedgerCharge(
                ((ChargeOutcome.Charged) first).providerReference(), request.amount()));
  }

  @Test
  void an_unknown_result_reconciled_with_the_same_key_charges_once() {
    long invoice = newInvoice();
    var request = paying(invoice, Money.ofMinor(1_999, Currency.USD), newKey());
    loseNextResponse();

    var lost = provider().charge(request);
    var reconciled = provider().charge(request);

    assertThat(lost).isInstanceOf(ChargeOutcome.Unknown.class);
    assertThat(reconciled).isInstanceOf(ChargeOutcome.Charged.class);
    assertThat(ledger(invoice))
        .containsExactly(
            new LedgerCharge(
                ((ChargeOutcome.Charged) reconciled).providerReference(), request.amount()));
  }

  @Test
  void each_decline_is_declined_with_its_code_and_charges_nothing() {
    assertThat(declineCodes()).isNotEmpty();
    for (var code : declineCodes()) {
      long invoice = newInvoice();
      var request = declining(code, invoice, Money.ofMinor(5_000, Currency.GBP), newKey());

      assertThat(provider().charge(request)).as(code).isEqualTo(new ChargeOutcome.Declined(code));
      assertThat(provider().charge(request))
          .as(code + ", replayed")
          .isEqualTo(new ChargeOutcome.Declined(code));
      assertThat(ledger(invoice)).as(code).isEmpty();
    }
  }

  @Test
  void an_unknown_customer_is_customer_not_found_and_charges_nothing() {
    long invoice = newInvoice();

    var outcome =
        provider().charge(unknownCustomer(invoice, Money.ofMinor(3_000, Currency.CHF), newKey()));

    assertThat(outcome).isInstanceOf(ChargeOutcome.CustomerNotFound.class);
    assertThat(ledger(invoice)).isEmpty();
  }

  @Test
  void amounts_and_currencies_are_charged_exactly_including_zero_decimal_yen() {
    var amounts =
        List.of(
            Money.ofMinor(1_234, Currency.JPY),
            Money.ofMinor(1_234, Currency.EUR),
            Money.ofMinor(99_999_999, Currency.SEK),
            Money.ofMinor(301, Currency.DKK),
            Money.ofMinor(50, Currency.USD),
            Money.ofMinor(7_777, Currency.NOK));
    for (var amount : amounts) {
      long invoice = newInvoice();

      var outcome = provider().charge(paying(invoice, amount, newKey()));

      assertThat(outcome).as(amount.toString()).isInstanceOf(ChargeOutcome.Charged.class);
      assertThat(ledger(invoice))
          .as(amount.toString())
          .containsExactly(
              new LedgerCharge(((ChargeOutcome.Charged) outcome).providerReference(), amount));
    }
  }
}
