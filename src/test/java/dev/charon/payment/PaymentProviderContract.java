package dev.charon.payment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.payment.domain.RefundRequest;
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

  /** One successful refund as the provider's own ledger records it. */
  record LedgerRefund(String refundId, String chargeId, Money amount) {}

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

  /** The provider's own record of successful refunds for one invoice. */
  abstract List<LedgerRefund> refundLedger(long invoiceId);

  /**
   * A successful charge of {@code amount} for the invoice that the card network has disputed (an
   * open dispute, as a chargeback starts); returns its provider reference.
   */
  abstract String disputedCharge(long invoiceId, Money amount);

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

      // The reason is the contract; what else a provider says (its payment, the card's network,
      // advice codes) is its own, and a replay says the same.
      var first = provider().charge(request);
      assertThat(first)
          .as(code)
          .isInstanceOfSatisfying(
              ChargeOutcome.Declined.class, d -> assertThat(d.reason()).isEqualTo(code));
      assertThat(provider().charge(request)).as(code + ", replayed").isEqualTo(first);
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

  // Refunds: the same checks for every adapter. A refund is asked of a charge the adapter itself
  // made, by the reference its Charged answer carried, as Charon's refund executor does.

  String charged(long invoice, Money amount) {
    var outcome = provider().charge(paying(invoice, amount, newKey()));
    assertThat(outcome).isInstanceOf(ChargeOutcome.Charged.class);
    return ((ChargeOutcome.Charged) outcome).providerReference();
  }

  static RefundRequest refund(long invoice, String charge, Money amount) {
    return new RefundRequest(invoice, charge, amount, newKey(), "contract refund");
  }

  static String refundId(RefundOutcome outcome) {
    assertThat(outcome).isInstanceOf(RefundOutcome.Refunded.class);
    return ((RefundOutcome.Refunded) outcome).reference();
  }

  static void assertRefused(RefundOutcome outcome, String code) {
    assertThat(outcome)
        .isInstanceOfSatisfying(
            RefundOutcome.Refused.class, r -> assertThat(r.code()).as(r.message()).isEqualTo(code));
  }

  @Test
  void a_full_refund_gives_the_whole_charge_back_once() {
    long invoice = newInvoice();
    var amount = Money.ofMinor(4_200, Currency.EUR);
    var charge = charged(invoice, amount);

    var refunded = provider().refund(refund(invoice, charge, amount));

    assertThat(refundLedger(invoice))
        .containsExactly(new LedgerRefund(refundId(refunded), charge, amount));
  }

  @Test
  void partial_refunds_add_up_to_the_charge_and_more_is_an_over_refund_that_refunds_nothing() {
    long invoice = newInvoice();
    var charge = charged(invoice, Money.ofMinor(10_000, Currency.EUR));

    var first = provider().refund(refund(invoice, charge, Money.ofMinor(3_000, Currency.EUR)));
    var tooMuch = provider().refund(refund(invoice, charge, Money.ofMinor(7_001, Currency.EUR)));
    var rest = provider().refund(refund(invoice, charge, Money.ofMinor(7_000, Currency.EUR)));
    var afterAll = provider().refund(refund(invoice, charge, Money.ofMinor(1, Currency.EUR)));

    assertRefused(tooMuch, RefundOutcome.Refused.OVER_REFUND);
    assertRefused(afterAll, RefundOutcome.Refused.OVER_REFUND);
    assertThat(refundLedger(invoice))
        .containsExactlyInAnyOrder(
            new LedgerRefund(refundId(first), charge, Money.ofMinor(3_000, Currency.EUR)),
            new LedgerRefund(refundId(rest), charge, Money.ofMinor(7_000, Currency.EUR)));
  }

  @Test
  void a_replayed_refund_key_returns_the_first_refund_and_refunds_once() {
    long invoice = newInvoice();
    var charge = charged(invoice, Money.ofMinor(5_000, Currency.USD));
    var request = refund(invoice, charge, Money.ofMinor(1_250, Currency.USD));

    var first = provider().refund(request);
    var replay = provider().refund(request);

    assertThat(replay).isEqualTo(first);
    assertThat(refundLedger(invoice))
        .containsExactly(new LedgerRefund(refundId(first), charge, request.amount()));
  }

  @Test
  void an_unknown_refund_result_reconciled_with_the_same_key_refunds_once() {
    long invoice = newInvoice();
    var charge = charged(invoice, Money.ofMinor(8_000, Currency.GBP));
    var request = refund(invoice, charge, Money.ofMinor(2_000, Currency.GBP));
    loseNextResponse();

    var lost = provider().refund(request);
    var reconciled = provider().refund(request);

    assertThat(lost).isInstanceOf(RefundOutcome.Unknown.class);
    assertThat(refundLedger(invoice))
        .containsExactly(new LedgerRefund(refundId(reconciled), charge, request.amount()));
  }

  @Test
  void a_refund_of_a_disputed_charge_is_refused_and_refunds_nothing() {
    long invoice = newInvoice();
    var charge = disputedCharge(invoice, Money.ofMinor(6_000, Currency.EUR));

    var outcome = provider().refund(refund(invoice, charge, Money.ofMinor(1_000, Currency.EUR)));

    assertRefused(outcome, RefundOutcome.Refused.CHARGE_DISPUTED);
    assertThat(refundLedger(invoice)).isEmpty();
  }

  @Test
  void a_refund_in_another_currency_or_of_an_unknown_charge_is_refused_and_refunds_nothing() {
    long invoice = newInvoice();
    var charge = charged(invoice, Money.ofMinor(3_000, Currency.EUR));

    var otherCurrency =
        provider().refund(refund(invoice, charge, Money.ofMinor(1_000, Currency.USD)));
    var unknown =
        provider()
            .refund(refund(invoice, "ch_unknown" + invoice, Money.ofMinor(100, Currency.EUR)));

    assertRefused(otherCurrency, RefundOutcome.Refused.CURRENCY_MISMATCH);
    assertRefused(unknown, RefundOutcome.Refused.CHARGE_UNKNOWN);
    assertThat(refundLedger(invoice)).isEmpty();
  }
}
