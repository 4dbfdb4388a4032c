package dev.charon.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.gateway.GatewayServer;
import dev.charon.gateway.SignedEvents;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.HttpPaymentProvider;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.payment.domain.RefundRequest;
import dev.charon.payment.fake.FaultProfile;
import dev.charon.refund.ProviderFacts;
import dev.charon.testing.Fixtures;
import dev.charon.testing.Http;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The gateway's signed events reach Charon's intake ({@code /rest/v1/provider-events/gateway},
 * verified by stripe-java's verifier as Stripe's are) and are applied: a refund made at the gateway
 * becomes a provider refund with its credit note, a dispute opens and is lost; Charon's own refund
 * is left to its executor. The whole flow without Stripe.
 */
class GatewayEventsTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static final String SECRET = "whsec_gateway_events_test_secret_01";

  @Test
  void refunds_and_disputes_made_at_the_gateway_arrive_as_signed_events() throws Exception {
    var metrics = new SimpleMeterRegistry();
    var events = new ProviderEvents(db.jdbi());
    try (var applier =
            new ProviderEventApplier(
                events,
                new ProviderFacts(db.jdbi(), Clock.systemUTC(), metrics),
                PaymentIntentSettlement.NONE,
                Clock.systemUTC(),
                metrics);
        var api =
            TestApi.start(
                db.jdbi(),
                Clock.systemUTC(),
                new ProviderEventRoutes(
                    events,
                    applier,
                    new ProviderEventSettings(Optional.empty(), Optional.of(SECRET)),
                    metrics));
        var gateway =
            GatewayServer.start(
                new GatewayServer.Options(
                    "127.0.0.1",
                    0,
                    Files.createTempFile("gateway-events", ".jsonl"),
                    true,
                    FaultProfile.none(),
                    Optional.of(
                        new SignedEvents.Target(
                            URI.create(api.url() + ProviderEventRoutes.GATEWAY_PATH), SECRET))),
                Clock.systemUTC());
        var provider =
            new HttpPaymentProvider(
                URI.create(gateway.url() + "/"), Duration.ofSeconds(2), Duration.ofSeconds(5))) {
      long refunded = new Fixtures(db.jdbi()).paidAt(provider, 20_00);
      long lost = new Fixtures(db.jdbi()).paidAt(provider, 40_00);

      assertThat(
              provider.refund(
                  new RefundRequest(
                      refunded,
                      charge(refunded),
                      Money.ofMinor(5_00, Currency.EUR),
                      "dashboard-1",
                      "dashboard")))
          .isInstanceOf(RefundOutcome.Refunded.class);
      var admin = new Http(gateway.url());
      var opened = admin.post("/admin/disputes", "{\"chargeId\":\"" + charge(lost) + "\"}");
      assertThat(opened.status()).as(opened.body()).isEqualTo(201);
      var dispute = opened.json().path("disputeId").asText();
      await().atMost(Duration.ofSeconds(10)).until(() -> "DISPUTED".equals(status(lost)));
      var closed = admin.post("/admin/disputes/" + dispute + "/close", "{\"outcome\":\"lost\"}");
      assertThat(closed.status()).as(closed.body()).isEqualTo(200);

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> count("select count(*) from provider_event where status = 'APPLIED'") == 3);
      assertThat(status(refunded)).isEqualTo("PARTIALLY_REFUNDED");
      assertThat(
              count(
                  "select count(*) from refund where source = 'provider' and actor = 'provider'"
                      + " and invoice_id = "
                      + refunded))
          .isEqualTo(1);
      assertThat(count("select count(*) from credit_note where invoice_id = " + refunded))
          .isEqualTo(1);
      assertThat(
              count("select count(*) from dispute where status = 'LOST' and invoice_id = " + lost))
          .isEqualTo(1);
      assertThat(status(lost)).isEqualTo("DISPUTED");
      assertThat(
              count(
                  "select count(*) from provider_event where provider = 'gateway' and type in"
                      + " ('refund.created', 'dispute.opened', 'dispute.closed')"))
          .isEqualTo(3);
    }
  }

  private static String charge(long invoice) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "select provider_reference from charge_attempt where invoice_id = :i and outcome = 'CHARGED'")
                    .bind("i", invoice)
                    .mapTo(String.class)
                    .one());
  }

  private static String status(long invoice) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select status from invoice where id = :i")
                    .bind("i", invoice)
                    .mapTo(String.class)
                    .one());
  }

  private static long count(String sql) {
    return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
  }
}
