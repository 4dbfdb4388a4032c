package dev.charon.payment;

import static org.awaitility.Awaitility.await;

import com.stripe.model.Charge;
import com.stripe.model.Refund;
import dev.charon.money.Money;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.stripe.StripeAmounts;
import dev.charon.payment.stripe.StripeApi;
import dev.charon.payment.stripe.StripePaymentProvider;
import dev.charon.payment.stripe.StripeSettings;
import dev.charon.testing.StripeEmulator;
import dev.charon.testing.StripeFaultProxy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The provider contract for the Stripe adapter, through the official client against
 * stripe-stateful-mock (an emulator no one here wrote), with a fault proxy in front of it for the
 * lost responses the emulator cannot produce on customer charges.
 */
class StripeProviderContractTest extends PaymentProviderContract {
  /**
   * Test cards that attach to a customer and decline when charged, with their decline code: soft
   * (generic_decline, processing_error) and hard (fraudulent). The emulator, like Stripe, refuses
   * to attach tok_chargeDeclined, ...InsufficientFunds, ...IncorrectCvc and ...ExpiredCard at all,
   * so those codes are covered by StripeOutcomesTest's mapping of Stripe's error bodies.
   */
  static final Map<String, String> DECLINING_CARDS =
      Map.of(
          "generic_decline", "tok_chargeCustomerFail",
          "fraudulent", "tok_chargeDeclinedFraudulent",
          "processing_error", "tok_chargeDeclinedProcessingError");

  static StripeEmulator emulator;
  static StripeFaultProxy proxy;
  static StripePaymentProvider stripe;
  static String payingCustomer;

  @BeforeAll
  static void startEmulator() {
    emulator = StripeEmulator.start();
    proxy = StripeFaultProxy.start(emulator.url());
    stripe =
        new StripePaymentProvider(
            new StripeSettings(
                StripeEmulator.API_KEY,
                URI.create(proxy.url()),
                Duration.ofSeconds(2),
                Duration.ofSeconds(10),
                StripeApi.CHARGES),
            new SimpleMeterRegistry());
    payingCustomer = emulator.customer("tok_visa");
  }

  @AfterAll
  static void stopEmulator() {
    proxy.close();
    emulator.close();
  }

  @BeforeEach
  void noFaults() {
    proxy.heal();
  }

  @Override
  PaymentProvider provider() {
    return stripe;
  }

  @Override
  ChargeRequest paying(long invoiceId, Money amount, String key) {
    return new ChargeRequest(invoiceId, invoiceId * 10, invoiceId, payingCustomer, amount, key);
  }

  @Override
  ChargeRequest declining(String declineCode, long invoiceId, Money amount, String key) {
    var customer = emulator.customer(DECLINING_CARDS.get(declineCode));
    return new ChargeRequest(invoiceId, invoiceId * 10, invoiceId, customer, amount, key);
  }

  @Override
  List<String> declineCodes() {
    return List.copyOf(DECLINING_CARDS.keySet());
  }

  @Override
  ChargeRequest unknownCustomer(long invoiceId, Money amount, String key) {
    return new ChargeRequest(
        invoiceId, invoiceId * 10, invoiceId, "cus_nobody" + invoiceId, amount, key);
  }

  @Override
  void loseNextResponse() {
    proxy.failNext(StripeFaultProxy.Fault.LOSE_RESPONSE);
  }

  /** Read from the emulator directly, not through the proxy or the adapter. */
  @Override
  List<LedgerCharge> ledger(long invoiceId) {
    var charges = new ArrayList<LedgerCharge>();
    for (Charge c : emulator.charges()) {
      if (String.valueOf(invoiceId).equals(c.getMetadata().get(StripePaymentProvider.INVOICE_ID))
          && "succeeded".equals(c.getStatus())) {
        charges.add(
            new LedgerCharge(
                c.getId(), StripeAmounts.fromStripe(c.getAmount(), c.getCurrency()).orElseThrow()));
      }
    }
    return charges;
  }

  /** Read from the emulator directly, not through the proxy or the adapter. */
  @Override
  List<LedgerRefund> refundLedger(long invoiceId) {
    var refunds = new ArrayList<LedgerRefund>();
    for (Refund r : emulator.refunds()) {
      if (String.valueOf(invoiceId).equals(r.getMetadata().get(StripePaymentProvider.INVOICE_ID))
          && "succeeded".equals(r.getStatus())) {
        refunds.add(
            new LedgerRefund(
                r.getId(),
                r.getCharge(),
                StripeAmounts.fromStripe(r.getAmount(), r.getCurrency()).orElseThrow()));
      }
    }
    return refunds;
  }

  /**
   * The emulator disputes every charge on a card made from {@code tok_createDispute} (a dispute
   * that needs a response, {@code is_charge_refundable: false}, as a chargeback starts), a moment
   * after the charge: the test waits until the charge says so. It cannot open a dispute on an
   * existing charge, nor close one.
   */
  @Override
  String disputedCharge(long invoiceId, Money amount) {
    var customer = emulator.customer("tok_createDispute");
    var outcome =
        stripe.charge(
            new ChargeRequest(invoiceId, invoiceId * 10, invoiceId, customer, amount, newKey()));
    var charge = ((ChargeOutcome.Charged) outcome).providerReference();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> Boolean.TRUE.equals(emulator.charge(charge).getDisputed()));
    return charge;
  }
}
