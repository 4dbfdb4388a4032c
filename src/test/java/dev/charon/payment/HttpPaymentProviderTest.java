package dev.charon.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.charon.gateway.GatewayServer;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.domain.DeclineCode;
import dev.charon.payment.domain.Throttle;
import dev.charon.payment.fake.DeclineMix;
import dev.charon.payment.fake.FaultProfile;
import dev.charon.testing.GatewayAdmin;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client's mapping of every gateway answer, against a real gateway over HTTP. */
class HttpPaymentProviderTest {
  @TempDir Path dir;
  GatewayServer gateway;
  GatewayAdmin admin;
  HttpPaymentProvider provider;

  @BeforeEach
  void start() {
    gateway =
        GatewayServer.start(
            new GatewayServer.Options(
                "127.0.0.1", 0, dir.resolve("j.jsonl"), false, FaultProfile.none()),
            Clock.systemUTC());
    admin = new GatewayAdmin(gateway.url());
    provider = client(Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() {
    provider.close();
    gateway.close();
  }

  HttpPaymentProvider client(Duration requestTimeout) {
    return new HttpPaymentProvider(
        URI.create(gateway.url() + "/"), Duration.ofSeconds(2), requestTimeout);
  }

  static ChargeRequest request(String key, long customerId) {
    return new ChargeRequest(1, customerId, Money.ofMinor(4_200, Currency.SEK), key);
  }

  @Test
  void the_request_body_is_the_charge_as_json() throws IOException {
    var body =
        HttpPaymentProvider.body(
            new ChargeRequest(
                Long.MAX_VALUE, 7, Money.ofMinor(123_456_789_012L, Currency.JPY), "k-body"));

    var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
    assertThat(json.path("invoiceId").asLong()).isEqualTo(Long.MAX_VALUE);
    assertThat(json.path("customerId").asLong()).isEqualTo(7);
    assertThat(json.path("amountMinor").asLong()).isEqualTo(123_456_789_012L);
    assertThat(json.path("currency").asText()).isEqualTo("JPY");
    assertThat(json.size()).isEqualTo(4);
  }

  @Test
  void created_is_charged_with_the_gateway_charge_id() {
    var outcome = provider.charge(request("k-1", 2));

    assertThat(outcome).isInstanceOf(ChargeOutcome.Charged.class);
    assertThat(((ChargeOutcome.Charged) outcome).providerReference()).startsWith("ch_");
    assertThat(provider.charge(request("k-1", 2))).isEqualTo(outcome);
  }

  @Test
  void payment_required_is_declined_with_the_reason() {
    admin.configure(
        FaultProfile.builder()
            .declineRate(1)
            .declineMix(DeclineMix.only(DeclineCode.EXPIRED_CARD))
            .build());

    assertThat(provider.charge(request("k-1", 2)))
        .isEqualTo(new ChargeOutcome.Declined("expired_card"));
  }

  @Test
  void unknown_customer_and_currency_mismatch_map_to_their_outcomes() {
    admin.configure(
        FaultProfile.builder().customersNotFound(Set.of(5L)).currencyMismatch(Set.of(6L)).build());

    assertThat(provider.charge(request("k-1", 5)))
        .isInstanceOf(ChargeOutcome.CustomerNotFound.class);
    assertThat(provider.charge(request("k-2", 6)))
        .isInstanceOf(ChargeOutcome.CurrencyMismatch.class);
  }

  @Test
  void network_error_and_outage_are_unavailable() {
    admin.configure(FaultProfile.builder().networkErrorRate(1).build());
    assertThat(provider.charge(request("k-1", 2))).isInstanceOf(ChargeOutcome.Unavailable.class);

    admin.configure(FaultProfile.none());
    admin.outage(true);
    assertThat(provider.charge(request("k-2", 2))).isInstanceOf(ChargeOutcome.Unavailable.class);
  }

  @Test
  void dropped_response_is_unknown_and_the_same_key_then_returns_the_charge() {
    admin.configure(FaultProfile.builder().timeoutRate(1).build());

    assertThat(provider.charge(request("k-1", 2))).isInstanceOf(ChargeOutcome.Unknown.class);

    var reconciled = provider.charge(request("k-1", 2));
    assertThat(reconciled).isInstanceOf(ChargeOutcome.Charged.class);
  }

  @Test
  void request_timeout_is_unknown_although_the_gateway_goes_on_to_charge() {
    admin.configure(FaultProfile.builder().latency(1_000, 0).build());
    try (var impatient = client(Duration.ofMillis(200))) {
      assertThat(impatient.charge(request("k-1", 2))).isInstanceOf(ChargeOutcome.Unknown.class);
    }
    admin.configure(FaultProfile.none());

    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> provider.charge(request("k-1", 2)) instanceof ChargeOutcome.Charged);
  }

  @Test
  void concurrent_duplicate_in_progress_is_unknown() throws Exception {
    admin.configure(FaultProfile.builder().latency(1_000, 0).build());
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      var first = pool.submit(() -> provider.charge(request("k-1", 2)));
      // The first request must be in the gateway before the duplicate: retry until the 409 shows.
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> provider.charge(request("k-1", 2)) instanceof ChargeOutcome.Unknown);
      assertThat(first.get(5, TimeUnit.SECONDS)).isInstanceOf(ChargeOutcome.Charged.class);
    }
  }

  @Test
  void more_calls_at_once_than_pooled_connections_are_all_charged() throws Exception {
    admin.configure(FaultProfile.builder().latency(200, 0).build());
    try (var two =
            new HttpPaymentProvider(
                URI.create(gateway.url()), Duration.ofSeconds(2), Duration.ofSeconds(5), 2);
        var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      var calls = new java.util.ArrayList<java.util.concurrent.Future<ChargeOutcome>>();
      for (int i = 0; i < 8; i++) {
        var request = request("k-" + i, 2);
        calls.add(pool.submit(() -> two.charge(request)));
      }
      for (var call : calls) {
        assertThat(call.get(10, TimeUnit.SECONDS)).isInstanceOf(ChargeOutcome.Charged.class);
      }
    }
  }

  @Test
  void key_reused_with_other_parameters_throws_with_context() {
    provider.charge(request("k-1", 2));

    assertThatThrownBy(() -> provider.charge(request("k-1", 3)))
        .isInstanceOf(PaymentProviderException.class)
        .hasMessageContaining("k-1")
        .hasMessageContaining("idempotency_key_reuse")
        .extracting(e -> ((PaymentProviderException) e).status())
        .isEqualTo(422);
  }

  @Test
  void above_the_gateways_rate_limit_the_call_is_throttled_and_its_key_stays_unused() {
    admin.rateLimit(1);
    assertThat(provider.charge(request("k-rate-1", 7))).isInstanceOf(ChargeOutcome.Charged.class);

    var refused = provider.charge(request("k-rate-2", 7));

    assertThat(refused)
        .isEqualTo(
            ChargeOutcome.Unavailable.throttled(
                "provider rate limit (HTTP 429)",
                new Throttle(java.util.Optional.of(Duration.ofSeconds(1)))));
    admin.rateLimit(null);
    assertThat(provider.charge(request("k-rate-2", 7))).isInstanceOf(ChargeOutcome.Charged.class);
  }

  @Test
  void connection_refused_is_unavailable() throws IOException {
    int closedPort;
    try (var socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    try (var nowhere =
        new HttpPaymentProvider(
            URI.create("http://127.0.0.1:" + closedPort),
            Duration.ofSeconds(1),
            Duration.ofSeconds(1))) {
      assertThat(nowhere.charge(request("k-1", 2))).isInstanceOf(ChargeOutcome.Unavailable.class);
    }
  }

  @Test
  void other_server_errors_and_a_proxys_503_are_unknown_and_client_errors_are_bugs() {
    var request = request("k-1", 2);

    assertThat(
            HttpPaymentProvider.outcome(
                request, 500, "{\"outcome\":\"error\",\"code\":\"journal_failed\"}"))
        .isInstanceOf(ChargeOutcome.Unknown.class);
    assertThat(HttpPaymentProvider.outcome(request, 502, "<html>bad gateway</html>"))
        .isInstanceOf(ChargeOutcome.Unknown.class);
    assertThat(
            HttpPaymentProvider.outcome(
                request, 503, "{\"outcome\":\"error\",\"code\":\"outage\"}"))
        .isInstanceOf(ChargeOutcome.Unavailable.class);
    assertThat(HttpPaymentProvider.outcome(request, 503, ""))
        .as("a proxy's 503")
        .isInstanceOf(ChargeOutcome.Unknown.class);
    assertThatThrownBy(
            () -> HttpPaymentProvider.outcome(request, 400, "{\"code\":\"invalid_body\"}"))
        .isInstanceOf(PaymentProviderException.class);
    assertThatThrownBy(() -> HttpPaymentProvider.outcome(request, 404, ""))
        .isInstanceOf(PaymentProviderException.class);
  }
}
