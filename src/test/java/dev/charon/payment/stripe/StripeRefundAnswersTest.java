package dev.charon.payment.stripe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.stripe.model.Refund;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.PaymentProviderException;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.payment.domain.RefundRequest;
import dev.charon.testing.CharonProcess;
import dev.charon.testing.StripeEmulator;
import dev.charon.testing.StripeFaultProxy;
import dev.charon.testing.StripeFaultProxy.Fault;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rows of the refund answers table (docs/architecture.md, "Stripe answers") that the provider
 * contract does not cover: Stripe's 429, 409 and 500 on a refund (from the fault proxy, in Stripe's
 * format), a reused key, a refused connection, and what a refund carries.
 */
class StripeRefundAnswersTest {
  static StripeEmulator emulator;
  static StripeFaultProxy proxy;
  static StripePaymentProvider stripe;
  static String payingCustomer;
  static final AtomicLong invoices = new AtomicLong(5_000);

  @BeforeAll
  static void start() {
    emulator = StripeEmulator.start();
    proxy = StripeFaultProxy.start(emulator.url());
    stripe = StripeAnswersTest.provider(proxy.url());
    payingCustomer = emulator.customer("tok_visa");
  }

  @AfterAll
  static void stop() {
    proxy.close();
    emulator.close();
  }

  @BeforeEach
  void heal() {
    proxy.heal();
  }

  /** A refund request of {@code minor} EUR on a fresh 100.00 EUR charge. */
  static RefundRequest refundOfACharge(long minor) {
    long invoice = invoices.incrementAndGet();
    var charged =
        stripe.charge(
            new ChargeRequest(
                invoice,
                0,
                invoice,
                payingCustomer,
                Money.ofMinor(10_000, Currency.EUR),
                "charge-" + UUID.randomUUID()));
    var charge = ((ChargeOutcome.Charged) charged).providerReference();
    return new RefundRequest(
        invoice,
        charge,
        Money.ofMinor(minor, Currency.EUR),
        "refund-" + UUID.randomUUID(),
        "the customer asked");
  }

  static List<Refund> refundsOf(String charge) {
    return emulator.refunds().stream().filter(r -> charge.equals(r.getCharge())).toList();
  }

  @Test
  void a_refund_carries_the_invoice_key_and_reason_in_metadata_and_the_exact_amount() {
    var request = refundOfACharge(1_234);

    stripe.refund(request);

    var refund = refundsOf(request.chargeReference()).getFirst();
    assertThat(refund.getAmount()).isEqualTo(1_234);
    assertThat(refund.getMetadata())
        .containsEntry(StripePaymentProvider.INVOICE_ID, String.valueOf(request.invoiceId()))
        .containsEntry(StripePaymentProvider.IDEMPOTENCY_KEY, request.idempotencyKey())
        .containsEntry(StripeRefunds.REASON, "the customer asked");
  }

  @Test
  void a_rate_limit_is_unavailable_and_nothing_is_refunded() {
    var request = refundOfACharge(500);
    proxy.failNext(Fault.ANSWER_429);

    assertThat(stripe.refund(request)).isInstanceOf(RefundOutcome.Unavailable.class);
    assertThat(proxy.struck()).isPositive();
    assertThat(refundsOf(request.chargeReference())).isEmpty();
  }

  @Test
  void a_key_in_use_and_a_server_error_are_unknown_and_the_same_key_later_refunds_once() {
    for (var fault : List.of(Fault.ANSWER_409_IN_USE, Fault.ANSWER_500)) {
      var request = refundOfACharge(700);
      proxy.failNext(fault);

      assertThat(stripe.refund(request)).as(fault.name()).isInstanceOf(RefundOutcome.Unknown.class);
      assertThat(stripe.refund(request))
          .as(fault.name())
          .isInstanceOf(RefundOutcome.Refunded.class);
      assertThat(refundsOf(request.chargeReference())).as(fault.name()).hasSize(1);
    }
  }

  @Test
  void a_key_reused_with_another_amount_is_a_loud_error_not_a_second_refund() {
    var request = refundOfACharge(300);
    stripe.refund(request);
    var other =
        new RefundRequest(
            request.invoiceId(),
            request.chargeReference(),
            Money.ofMinor(301, Currency.EUR),
            request.idempotencyKey(),
            request.reason());

    assertThatThrownBy(() -> stripe.refund(other))
        .isInstanceOf(PaymentProviderException.class)
        .hasMessageContaining(request.idempotencyKey());
    assertThat(refundsOf(request.chargeReference())).hasSize(1);
  }

  @Test
  void a_refused_connection_is_unavailable() {
    var closed = StripeAnswersTest.provider("http://127.0.0.1:" + CharonProcess.freePort());

    var outcome =
        closed.refund(
            new RefundRequest(
                1, "ch_any", Money.ofMinor(100, Currency.EUR), "refund-closed", "nobody listens"));

    assertThat(outcome).isInstanceOf(RefundOutcome.Unavailable.class);
  }
}
