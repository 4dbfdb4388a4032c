package dev.charon.payment.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.charging.domain.ChargePolicy;
import dev.charon.charging.domain.Decision;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.payment.domain.RefundRequest;
import dev.charon.testing.ChargeFixtures;
import dev.charon.testing.StripeDouble;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The PaymentIntents path through stripe-java against {@link StripeDouble}, which answers with
 * Stripe's own example objects: each PaymentIntent status and decline comes to its outcome, and
 * what dunning then decides for it.
 */
class PaymentIntentsTest {
  private static final AtomicLong invoices = new AtomicLong(9_000);
  private static StripeDouble stripe;
  private static StripePaymentProvider provider;
  private final ChargePolicy policy = ChargeFixtures.policy();

  @BeforeAll
  static void start() {
    stripe = StripeDouble.start();
    provider =
        new StripePaymentProvider(
            new StripeSettings(
                "sk_test_double",
                URI.create(stripe.url()),
                Duration.ofSeconds(2),
                Duration.ofSeconds(5),
                StripeApi.PAYMENT_INTENTS),
            new SimpleMeterRegistry());
  }

  @AfterAll
  static void stop() {
    stripe.close();
  }

  private static ChargeRequest request(String customer) {
    long invoice = invoices.incrementAndGet();
    return new ChargeRequest(
        invoice,
        0,
        invoice,
        customer,
        Money.ofMinor(2_500, Currency.EUR),
        "inv" + invoice + "-att1-k");
  }

  private Decision decide(ChargeOutcome outcome) {
    return policy.decide(outcome, 0, 0, 1, Instant.parse("2026-12-01T00:00:00Z"), () -> 0.5);
  }

  @Test
  void a_succeeded_payment_intent_is_charged_off_session_on_the_default_payment_method() {
    var customer = stripe.customer("pm_card_visa", new StripeDouble.Succeeds());
    var request = request(customer);

    var outcome = provider.charge(request);

    assertThat(outcome).isInstanceOf(ChargeOutcome.Charged.class);
    var sent = stripe.creates().getLast();
    assertThat(sent)
        .containsEntry("amount", "2500")
        .containsEntry("currency", "eur")
        .containsEntry("customer", customer)
        .containsEntry("payment_method", "pm_card_visa")
        .containsEntry("confirm", "true")
        .containsEntry("off_session", "true")
        .containsEntry("metadata[charon_invoice_id]", Long.toString(request.invoiceId()))
        .containsEntry("metadata[charon_idempotency_key]", request.idempotencyKey());
    var intent =
        stripe.intents().stream()
            .filter(i -> i.id().equals(((ChargeOutcome.Charged) outcome).providerReference()))
            .findFirst()
            .orElseThrow();
    assertThat(intent.idempotencyKey()).isEqualTo(request.idempotencyKey());
  }

  @Test
  void a_replayed_key_returns_the_first_payment_intent_and_makes_no_second() {
    var request = request(stripe.customer("pm_card_visa", new StripeDouble.Succeeds()));
    var first = provider.charge(request);
    int made = stripe.intents().size();

    assertThat(provider.charge(request)).isEqualTo(first);
    assertThat(stripe.intents()).hasSize(made);
  }

  @Test
  void a_lost_answer_is_unknown_and_the_same_key_learns_the_charge() {
    var request = request(stripe.customer("pm_card_visa", new StripeDouble.Succeeds()));
    stripe.loseNextResponse();

    assertThat(provider.charge(request)).isInstanceOf(ChargeOutcome.Unknown.class);
    var reconciled = provider.charge(request);

    assertThat(reconciled).isInstanceOf(ChargeOutcome.Charged.class);
    assertThat(stripe.intents())
        .filteredOn(i -> request.idempotencyKey().equals(i.idempotencyKey()))
        .hasSize(1);
  }

  @Test
  void authentication_required_parks_the_invoice_for_the_customer_and_is_never_retried() {
    var outcome =
        provider.charge(request(stripe.customer("pm_card_3ds", new StripeDouble.RequiresAction())));

    assertThat(outcome)
        .isInstanceOfSatisfying(
            ChargeOutcome.Declined.class,
            d -> {
              assertThat(d.reason()).isEqualTo("authentication_required");
              assertThat(d.detail().providerReference()).startsWith("pi_double");
            });
    assertThat(decide(outcome)).isInstanceOf(Decision.NeedsAction.class);
  }

  @Test
  void requires_payment_method_is_declined_with_the_last_payment_errors_code() {
    var outcome =
        provider.charge(
            request(
                stripe.customer(
                    "pm_card_visa", new StripeDouble.RequiresPaymentMethod("insufficient_funds"))));

    assertThat(outcome)
        .isInstanceOfSatisfying(
            ChargeOutcome.Declined.class,
            d -> assertThat(d.reason()).isEqualTo("insufficient_funds"));
    assertThat(decide(outcome))
        .as("a soft decline follows dunning")
        .isInstanceOf(Decision.RetryAt.class);
  }

  @Test
  void a_mastercard_decline_with_advice_code_03_is_never_retried() {
    var outcome =
        provider.charge(
            request(
                stripe.customer(
                    "pm_card_mastercard",
                    new StripeDouble.Declines("do_not_honor", "mastercard", null, "03", "05"))));

    assertThat(outcome)
        .isInstanceOfSatisfying(
            ChargeOutcome.Declined.class,
            d -> {
              assertThat(d.reason()).isEqualTo("do_not_honor");
              assertThat(d.detail().cardBrand()).isEqualTo("mastercard");
              assertThat(d.detail().networkAdviceCode()).isEqualTo("03");
              assertThat(d.detail().networkDeclineCode()).isEqualTo("05");
            });
    assertThat(decide(outcome))
        .isInstanceOfSatisfying(
            Decision.NeedsAction.class, a -> assertThat(a.reason()).contains("advice code 03"));
  }

  @Test
  void stripe_advice_do_not_try_again_is_stored_and_stops_dunning() {
    var outcome =
        provider.charge(
            request(
                stripe.customer(
                    "pm_card_visa",
                    new StripeDouble.Declines(
                        "generic_decline", "visa", "do_not_try_again", null, null))));

    assertThat(outcome)
        .isInstanceOfSatisfying(
            ChargeOutcome.Declined.class,
            d -> assertThat(d.detail().adviceCode()).isEqualTo("do_not_try_again"));
    assertThat(decide(outcome)).isInstanceOf(Decision.NeedsAction.class);
  }

  @Test
  void a_processing_payment_intent_is_looked_up_again_and_settles_when_it_has() {
    var settled =
        provider.charge(
            request(stripe.customer("pm_card_visa", new StripeDouble.Processing("succeeded"))));
    var pending =
        provider.charge(
            request(stripe.customer("pm_card_visa", new StripeDouble.Processing("processing"))));

    assertThat(settled).isInstanceOf(ChargeOutcome.Charged.class);
    assertThat(pending).isInstanceOf(ChargeOutcome.Unknown.class);
  }

  @Test
  void a_legacy_default_source_is_the_payment_intents_payment_method() {
    var customer = stripe.legacyCustomer("card_legacy123", new StripeDouble.Succeeds());

    assertThat(provider.charge(request(customer))).isInstanceOf(ChargeOutcome.Charged.class);
    assertThat(stripe.creates().getLast()).containsEntry("payment_method", "card_legacy123");
  }

  @Test
  void a_payment_intent_payment_is_refunded_by_its_id_once_per_key_and_never_beyond_it() {
    var request = request(stripe.customer("pm_card_visa", new StripeDouble.Succeeds()));
    var intent = ((ChargeOutcome.Charged) provider.charge(request)).providerReference();
    var refund =
        new RefundRequest(
            request.invoiceId(),
            intent,
            Money.ofMinor(1_000, Currency.EUR),
            "inv-ref1-k",
            "goodwill");

    assertThat(provider.refund(refund)).isInstanceOf(RefundOutcome.Refunded.class);
    assertThat(provider.refund(refund)).as("replayed").isInstanceOf(RefundOutcome.Refunded.class);
    assertThat(stripe.refunded(intent)).isEqualTo(1_000);
    var tooMuch =
        new RefundRequest(
            request.invoiceId(), intent, Money.ofMinor(2_000, Currency.EUR), "inv-ref2-k", "again");
    assertThat(provider.refund(tooMuch))
        .isInstanceOfSatisfying(
            RefundOutcome.Refused.class,
            r -> assertThat(r.code()).isEqualTo(RefundOutcome.Refused.OVER_REFUND));
    assertThat(stripe.refunded(intent)).isEqualTo(1_000);
  }

  @Test
  void a_customer_stripe_does_not_know_is_customer_not_found_and_nothing_is_created() {
    int before = stripe.creates().size();

    assertThat(provider.charge(request("cus_nobody")))
        .isInstanceOf(ChargeOutcome.CustomerNotFound.class);
    assertThat(stripe.creates()).hasSize(before);
  }
}
