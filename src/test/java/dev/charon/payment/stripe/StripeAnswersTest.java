package dev.charon.payment.stripe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.stripe.exception.CardException;
import com.stripe.exception.InvalidRequestException;
import com.stripe.model.Charge;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.PaymentProviderException;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.testing.CharonProcess;
import dev.charon.testing.StripeEmulator;
import dev.charon.testing.StripeFaultProxy;
import dev.charon.testing.StripeFaultProxy.Fault;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rows of the "Stripe answers" table in docs/architecture.md that the provider contract does
 * not already cover, each through the official client over HTTP: answers the emulator gives itself
 * (a reused key, an unknown customer, a customer without a card), answers the fault proxy gives in
 * Stripe's format (429, 409, 500), and Stripe error bodies the emulator never sends on a customer
 * charge (insufficient_funds, expired_card, authentication_required, currency problems), mapped by
 * {@link StripeOutcomes} as the client parses them.
 */
class StripeAnswersTest {
  static StripeEmulator emulator;
  static StripeFaultProxy proxy;
  static StripePaymentProvider stripe;
  static String payingCustomer;
  static final AtomicLong invoices = new AtomicLong(1_000);

  @BeforeAll
  static void start() {
    emulator = StripeEmulator.start();
    proxy = StripeFaultProxy.start(emulator.url());
    stripe = provider(proxy.url());
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

  static StripePaymentProvider provider(String url) {
    return new StripePaymentProvider(
        new StripeSettings(
            StripeEmulator.API_KEY,
            URI.create(url),
            Duration.ofSeconds(2),
            Duration.ofSeconds(5),
            StripeApi.CHARGES),
        new SimpleMeterRegistry());
  }

  static ChargeRequest request(String customer, Money amount) {
    long invoice = invoices.incrementAndGet();
    return new ChargeRequest(
        invoice, invoice + 500, 7, customer, amount, "answers-" + UUID.randomUUID());
  }

  @Test
  void the_charge_carries_the_invoice_attempt_and_key_in_metadata_and_the_exact_amount()
      throws Exception {
    var request = request(payingCustomer, Money.ofMinor(123_456, Currency.JPY));

    var charged = (ChargeOutcome.Charged) stripe.charge(request);

    Charge charge = emulator.client().v1().charges().retrieve(charged.providerReference());
    assertThat(charge.getAmount()).isEqualTo(123_456L);
    assertThat(charge.getCurrency()).isEqualTo("jpy");
    assertThat(charge.getMetadata())
        .containsEntry(StripePaymentProvider.INVOICE_ID, String.valueOf(request.invoiceId()))
        .containsEntry(StripePaymentProvider.IDEMPOTENCY_KEY, request.idempotencyKey());
  }

  @Test
  void a_key_reused_with_other_parameters_is_a_loud_error_not_a_new_charge() throws Exception {
    var first = request(payingCustomer, Money.ofMinor(1_000, Currency.EUR));
    var changed =
        new ChargeRequest(
            first.invoiceId(),
            first.attemptId(),
            7,
            payingCustomer,
            Money.ofMinor(2_000, Currency.EUR),
            first.idempotencyKey());
    assertThat(stripe.charge(first)).isInstanceOf(ChargeOutcome.Charged.class);

    assertThatThrownBy(() -> stripe.charge(changed))
        .isInstanceOf(PaymentProviderException.class)
        .hasMessageContaining("idempotency key reused with other parameters")
        .hasMessageContaining(first.idempotencyKey());
    long charges =
        emulator.charges().stream()
            .filter(
                c ->
                    first
                        .idempotencyKey()
                        .equals(c.getMetadata().get(StripePaymentProvider.IDEMPOTENCY_KEY)))
            .count();
    assertThat(charges).isEqualTo(1);
  }

  @Test
  void a_customer_without_a_card_is_customer_not_found() {
    var cardless = emulator.customer(null);

    assertThat(stripe.charge(request(cardless, Money.ofMinor(1_000, Currency.EUR))))
        .isInstanceOf(ChargeOutcome.CustomerNotFound.class);
  }

  @Test
  void a_customer_without_a_provider_reference_is_customer_not_found_without_a_call() {
    int before = proxy.forwardedCharges();

    var outcome = stripe.charge(request(null, Money.ofMinor(1_000, Currency.EUR)));

    assertThat(outcome).isInstanceOf(ChargeOutcome.CustomerNotFound.class);
    assertThat(((ChargeOutcome.CustomerNotFound) outcome).detail())
        .contains("no provider reference");
    assertThat(proxy.forwardedCharges()).isEqualTo(before);
  }

  @Test
  void a_rate_limit_is_unavailable_and_nothing_is_charged() {
    proxy.failNext(Fault.ANSWER_429);
    int before = proxy.forwardedCharges();

    assertThat(stripe.charge(request(payingCustomer, Money.ofMinor(1_000, Currency.EUR))))
        .isInstanceOf(ChargeOutcome.Unavailable.class);
    assertThat(proxy.struck()).isPositive();
    assertThat(proxy.forwardedCharges()).isEqualTo(before);
  }

  @Test
  void a_key_in_use_is_unknown_and_the_same_key_later_charges_once() {
    var request = request(payingCustomer, Money.ofMinor(1_000, Currency.EUR));
    proxy.failNext(Fault.ANSWER_409_IN_USE);

    assertThat(stripe.charge(request)).isInstanceOf(ChargeOutcome.Unknown.class);
    assertThat(stripe.charge(request)).isInstanceOf(ChargeOutcome.Charged.class);
  }

  @Test
  void a_server_error_is_unknown_and_reconciled_with_the_same_key() {
    var request = request(payingCustomer, Money.ofMinor(1_000, Currency.EUR));
    proxy.failNext(Fault.ANSWER_500);

    assertThat(stripe.charge(request)).isInstanceOf(ChargeOutcome.Unknown.class);
    var charged = stripe.charge(request);
    assertThat(charged).isInstanceOf(ChargeOutcome.Charged.class);
    assertThat(stripe.charge(request)).isEqualTo(charged);
  }

  @Test
  void a_refused_connection_is_unavailable_and_a_silent_server_is_unknown() throws Exception {
    var nobody = provider("http://127.0.0.1:" + CharonProcess.freePort());
    assertThat(nobody.charge(request(payingCustomer, Money.ofMinor(1_000, Currency.EUR))))
        .isInstanceOf(ChargeOutcome.Unavailable.class);

    try (var silent = new java.net.ServerSocket(0)) { // accepts (backlog) but never answers
      var timingOut =
          new StripePaymentProvider(
              new StripeSettings(
                  StripeEmulator.API_KEY,
                  URI.create("http://127.0.0.1:" + silent.getLocalPort()),
                  Duration.ofSeconds(1),
                  Duration.ofMillis(500),
                  StripeApi.CHARGES),
              new SimpleMeterRegistry());
      assertThat(timingOut.charge(request(payingCustomer, Money.ofMinor(1_000, Currency.EUR))))
          .isInstanceOf(ChargeOutcome.Unknown.class);
    }
  }

  @Test
  void a_currency_the_account_cannot_charge_is_a_currency_mismatch() {
    var request =
        request(payingCustomer, Money.ofMinor(10, Currency.EUR)); // below Stripe's 0.50 EUR minimum

    assertThat(stripe.charge(request)).isInstanceOf(ChargeOutcome.CurrencyMismatch.class);
    var unsupported =
        new InvalidRequestException("Invalid currency: eur", "currency", "req_1", null, 400, null);
    assertThat(StripeOutcomes.of(request, unsupported))
        .isInstanceOf(ChargeOutcome.CurrencyMismatch.class);
  }

  @Test
  void a_charge_that_needs_authentication_waits_for_a_new_payment_method_and_is_not_retried() {
    var request = request(payingCustomer, Money.ofMinor(1_000, Currency.EUR));
    var policy =
        new dev.charon.charging.domain.ChargePolicy(
            dev.charon.charging.domain.ChargePolicy.DEFAULT_DUNNING,
            new dev.charon.charging.domain.Backoff(Duration.ofSeconds(5), Duration.ofMinutes(10)),
            new dev.charon.charging.domain.Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5)));
    var now = java.time.Instant.parse("2026-12-01T00:00:00Z");

    var needsAuth =
        policy.decide(
            StripeOutcomes.of(request, card("card_declined", "authentication_required")),
            0,
            0,
            1,
            now,
            () -> 0.5);
    var soft =
        policy.decide(
            StripeOutcomes.of(request, card("card_declined", "insufficient_funds")),
            0,
            0,
            1,
            now,
            () -> 0.5);

    assertThat(needsAuth)
        .isEqualTo(
            new dev.charon.charging.domain.Decision.NeedsAction(
                dev.charon.charging.domain.ChargePolicy.NEEDS_PAYMENT_METHOD
                    + " (declined: authentication_required)"));
    assertThat(soft).isInstanceOf(dev.charon.charging.domain.Decision.RetryAt.class);
  }

  @Test
  void decline_codes_stripe_sends_are_the_declined_reason() {
    var request = request(payingCustomer, Money.ofMinor(1_000, Currency.EUR));

    assertThat(StripeOutcomes.of(request, card("card_declined", "insufficient_funds")))
        .isEqualTo(new ChargeOutcome.Declined("insufficient_funds"));
    assertThat(StripeOutcomes.of(request, card("expired_card", null)))
        .isEqualTo(new ChargeOutcome.Declined("expired_card"));
    assertThat(StripeOutcomes.of(request, card("card_declined", "authentication_required")))
        .isEqualTo(new ChargeOutcome.Declined("authentication_required"));
    assertThat(StripeOutcomes.of(request, card(null, null)))
        .isEqualTo(new ChargeOutcome.Declined("card_declined"));
  }

  static CardException card(String code, String declineCode) {
    return new CardException(
        "Your card was declined.", "req_1", code, null, declineCode, "ch_1", 402, null);
  }
}
