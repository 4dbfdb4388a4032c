package dev.charon.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.stripe.param.ChargeCreateParams;
import dev.charon.audit.ProviderLedger;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.stripe.StripeApi;
import dev.charon.payment.stripe.StripePaymentProvider;
import dev.charon.payment.stripe.StripeSettings;
import dev.charon.testing.StripeDouble;
import dev.charon.testing.StripeEmulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Stripe charge feed that adoption reads (issue 27) reads what Charon's Stripe adapter writes,
 * on both of its paths: the Charges API against the independent emulator (stripe-stateful-mock),
 * whose charges carry Charon's metadata, and PaymentIntents against {@link StripeDouble}, where the
 * metadata is the PaymentIntent's and the reference a worker records is the PaymentIntent's id.
 */
class StripeChargeFeedTest {

  private static StripeSettings settings(String url, String key, StripeApi api) {
    return new StripeSettings(
        key, URI.create(url), Duration.ofSeconds(2), Duration.ofSeconds(10), api);
  }

  private static ChargeRequest request(long invoice, String customer, Money amount) {
    return new ChargeRequest(
        invoice, invoice, invoice, customer, amount, "inv" + invoice + "-att1-" + "a".repeat(32));
  }

  @Test
  void charges_made_through_the_charges_api_are_read_with_their_invoice_key_and_money()
      throws Exception {
    try (var emulator = StripeEmulator.start()) {
      var settings = settings(emulator.url(), StripeEmulator.API_KEY, StripeApi.CHARGES);
      var provider = new StripePaymentProvider(settings, new SimpleMeterRegistry());
      var paying = emulator.customer("tok_visa");
      var declining = emulator.customer("tok_chargeCustomerFail");
      var eur = provider.charge(request(101, paying, Money.ofMinor(2_500, Currency.EUR)));
      var usd = provider.charge(request(102, paying, Money.ofMinor(990, Currency.USD)));
      var declined = provider.charge(request(103, declining, Money.ofMinor(500, Currency.EUR)));
      assertThat(eur).isInstanceOf(ChargeOutcome.Charged.class);
      assertThat(usd).isInstanceOf(ChargeOutcome.Charged.class);
      assertThat(declined).isInstanceOf(ChargeOutcome.Declined.class);
      foreignCharge(emulator, paying);

      var entries = new StripeChargeFeed(settings).after("0", 1000);

      // Another system's charge (no metadata) and the declined one are not money Charon took.
      assertThat(entries)
          .extracting(ChargeFeed.Entry::charge)
          .extracting(
              ProviderLedger.Charge::invoiceId,
              ProviderLedger.Charge::key,
              ProviderLedger.Charge::chargeId,
              ProviderLedger.Charge::amountMinor,
              ProviderLedger.Charge::currency)
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple(
                  101L,
                  "inv101-att1-" + "a".repeat(32),
                  ((ChargeOutcome.Charged) eur).providerReference(),
                  2_500L,
                  "EUR"),
              org.assertj.core.groups.Tuple.tuple(
                  102L,
                  "inv102-att1-" + "a".repeat(32),
                  ((ChargeOutcome.Charged) usd).providerReference(),
                  990L,
                  "USD"));
      // The position is the creation second; reading after the last one finds nothing more,
      // even from an emulator that ignores the list's created[gt].
      assertThat(entries)
          .allSatisfy(
              e ->
                  assertThat(e.position())
                      .isEqualTo(Long.toString(e.charge().created().getEpochSecond())));
      assertThat(new StripeChargeFeed(settings).after(entries.getLast().position(), 1000))
          .isEmpty();
    }
  }

  @Test
  void payment_intent_charges_are_read_with_the_payment_intents_metadata_and_id() throws Exception {
    try (var stripe = StripeDouble.start()) {
      var settings = settings(stripe.url(), "sk_test_double", StripeApi.PAYMENT_INTENTS);
      var provider = new StripePaymentProvider(settings, new SimpleMeterRegistry());
      var paying = stripe.customer("pm_card_visa", new StripeDouble.Succeeds());
      var declining =
          stripe.customer(
              "pm_card_visa",
              new StripeDouble.Declines("insufficient_funds", "visa", null, null, null));
      var first = provider.charge(request(201, paying, Money.ofMinor(1_200, Currency.EUR)));
      provider.charge(request(202, declining, Money.ofMinor(700, Currency.EUR)));
      var second = provider.charge(request(203, paying, Money.ofMinor(4_500, Currency.USD)));

      var feed = new StripeChargeFeed(settings);
      var entries = feed.after("0", 1000);

      // Oldest first, each with the PaymentIntent's id: the reference the worker records.
      assertThat(entries)
          .extracting(ChargeFeed.Entry::charge)
          .extracting(
              ProviderLedger.Charge::invoiceId,
              ProviderLedger.Charge::key,
              ProviderLedger.Charge::chargeId,
              ProviderLedger.Charge::amountMinor,
              ProviderLedger.Charge::currency)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(
                  201L,
                  "inv201-att1-" + "a".repeat(32),
                  ((ChargeOutcome.Charged) first).providerReference(),
                  1_200L,
                  "EUR"),
              org.assertj.core.groups.Tuple.tuple(
                  203L,
                  "inv203-att1-" + "a".repeat(32),
                  ((ChargeOutcome.Charged) second).providerReference(),
                  4_500L,
                  "USD"));
      assertThat(((ChargeOutcome.Charged) first).providerReference()).startsWith("pi_");
      assertThat(feed.after(entries.getFirst().position(), 1000))
          .extracting(e -> e.charge().invoiceId())
          .isEqualTo(List.of(203L));
    }
  }

  /** A charge another system made on the same account: no Charon metadata. */
  private static void foreignCharge(StripeEmulator emulator, String customer) {
    try {
      emulator
          .client()
          .v1()
          .charges()
          .create(
              ChargeCreateParams.builder()
                  .setAmount(3_000L)
                  .setCurrency("eur")
                  .setCustomer(customer)
                  .build());
    } catch (com.stripe.exception.StripeException e) {
      throw new IllegalStateException(e);
    }
  }
}
