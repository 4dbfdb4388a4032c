package dev.charon.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.stripe.StripeClient;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.stripe.StripeApi;
import dev.charon.payment.stripe.StripePaymentProvider;
import dev.charon.payment.stripe.StripeSettings;
import dev.charon.testing.StripeDouble;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;

/**
 * The audit reads PaymentIntent payments (issue 28): Stripe lists the charge each succeeded
 * PaymentIntent made, and the audit's ledger takes Charon's invoice and key from the intent and the
 * intent's id as the reference, which is what the worker recorded. A declined or waiting intent
 * made no charge and is not in it.
 */
class StripeLedgerPaymentIntentsTest {
  @Test
  void a_payment_intents_charge_is_in_the_audits_ledger_under_the_intents_id() throws Exception {
    try (var stripe = StripeDouble.start()) {
      var settings =
          new StripeSettings(
              "sk_test_double",
              URI.create(stripe.url()),
              Duration.ofSeconds(2),
              Duration.ofSeconds(5),
              StripeApi.PAYMENT_INTENTS);
      var provider = new StripePaymentProvider(settings, new SimpleMeterRegistry());
      var paid =
          provider.charge(
              new ChargeRequest(
                  71,
                  1,
                  71,
                  stripe.customer("pm_card_visa", new StripeDouble.Succeeds()),
                  Money.ofMinor(2_500, Currency.EUR),
                  "inv71-att1-k"));
      provider.charge(
          new ChargeRequest(
              72,
              1,
              72,
              stripe.customer("pm_card_3ds", new StripeDouble.RequiresAction()),
              Money.ofMinor(900, Currency.EUR),
              "inv72-att1-k"));
      var ledger =
          new StripeLedger(
              StripeClient.builder().setApiKey(settings.apiKey()).setApiBase(stripe.url()).build());

      var charges = new ArrayList<ProviderLedger.Charge>();
      ledger.forEachPage(charges::addAll);

      assertThat(charges)
          .singleElement()
          .satisfies(
              c -> {
                assertThat(c.invoiceId()).isEqualTo(71);
                assertThat(c.key()).isEqualTo("inv71-att1-k");
                assertThat(c.chargeId())
                    .isEqualTo(((ChargeOutcome.Charged) paid).providerReference())
                    .startsWith("pi_");
                assertThat(c.amountMinor()).isEqualTo(2_500);
                assertThat(c.currency()).isEqualTo("EUR");
              });
    }
  }
}
