package dev.charon.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.charon.config.ConfigException;
import dev.charon.config.Env;
import dev.charon.payment.fake.FaultProfile;
import dev.charon.payment.fake.SimulatedPaymentProvider;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PaymentProvidersTest {
  @Test
  void without_a_gateway_url_the_fault_free_simulator_is_used() {
    var settings = PaymentSettings.from(new Env(Map.of()));

    assertThat(settings.gatewayUrl()).isEmpty();
    assertThat(settings.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(settings.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(settings.simulator()).isEqualTo(FaultProfile.none());
    assertThat(PaymentProviders.create(settings, Clock.systemUTC(), new SimpleMeterRegistry()))
        .isInstanceOf(SimulatedPaymentProvider.class);
  }

  @Test
  void a_gateway_url_selects_the_http_provider_with_its_timeouts() {
    var settings =
        PaymentSettings.from(
            new Env(
                Map.of(
                    "CHARON_GATEWAY_URL",
                    "http://gw:7070",
                    "CHARON_GATEWAY_CONNECT_TIMEOUT",
                    "500ms",
                    "CHARON_GATEWAY_TIMEOUT",
                    "3s")));

    assertThat(settings.gatewayUrl()).contains(URI.create("http://gw:7070"));
    assertThat(settings.connectTimeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(settings.requestTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(PaymentProviders.create(settings, Clock.systemUTC(), new SimpleMeterRegistry()))
        .isInstanceOf(HttpPaymentProvider.class);
  }

  @Test
  void simulator_knobs_come_from_the_environment() {
    var settings =
        PaymentSettings.from(
            new Env(
                Map.of(
                    "CHARON_SIM_LATENCY_MS", "30",
                    "CHARON_SIM_LATENCY_JITTER_MS", "10",
                    "CHARON_SIM_DECLINE_RATE", "0.05",
                    "CHARON_SIM_NETWORK_ERROR_RATE", "0.02",
                    "CHARON_SIM_TIMEOUT_RATE", "0.01",
                    "CHARON_SIM_CUSTOMERS_NOT_FOUND", "4, 5",
                    "CHARON_SIM_CURRENCY_MISMATCH", "6",
                    "CHARON_SIM_SEED", "99")));

    assertThat(settings.simulator())
        .isEqualTo(
            FaultProfile.builder()
                .latency(30, 10)
                .declineRate(0.05)
                .networkErrorRate(0.02)
                .timeoutRate(0.01)
                .customersNotFound(Set.of(4L, 5L))
                .currencyMismatch(Set.of(6L))
                .seed(99)
                .build());
  }

  @Test
  void bad_values_refuse_to_start_and_name_the_variable() {
    assertThatThrownBy(
            () -> PaymentSettings.from(new Env(Map.of("CHARON_SIM_DECLINE_RATE", "1.2"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_SIM_DECLINE_RATE");
    assertThatThrownBy(
            () -> PaymentSettings.from(new Env(Map.of("CHARON_SIM_CUSTOMERS_NOT_FOUND", "4,x"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_SIM_CUSTOMERS_NOT_FOUND");
    assertThatThrownBy(() -> PaymentSettings.from(new Env(Map.of("CHARON_GATEWAY_URL", "gw:7070"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_GATEWAY_URL");
    assertThatThrownBy(() -> PaymentSettings.from(new Env(Map.of("CHARON_GATEWAY_TIMEOUT", "0s"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_GATEWAY_TIMEOUT");
    assertThatThrownBy(() -> PaymentSettings.from(new Env(Map.of("CHARON_SIM_SEED", "abc"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_SIM_SEED");
  }

  @Test
  void charon_provider_stripe_selects_the_stripe_adapter_with_its_key_base_url_and_timeout() {
    var settings =
        PaymentSettings.from(
            new Env(
                Map.of(
                    "CHARON_PROVIDER",
                    "stripe",
                    "CHARON_STRIPE_API_KEY",
                    "sk_test_abc123",
                    "CHARON_STRIPE_BASE_URL",
                    "http://127.0.0.1:12111",
                    "CHARON_STRIPE_TIMEOUT",
                    "3s")));

    assertThat(settings.provider()).isEqualTo(PaymentSettings.Provider.STRIPE);
    var stripe = settings.stripe().orElseThrow();
    assertThat(stripe.baseUrl()).isEqualTo(URI.create("http://127.0.0.1:12111"));
    assertThat(stripe.readTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(stripe.testMode()).isTrue();
    assertThat(stripe.toString()).doesNotContain("sk_test_abc123");
    assertThat(PaymentProviders.create(settings, Clock.systemUTC(), new SimpleMeterRegistry()))
        .isInstanceOf(dev.charon.payment.stripe.StripePaymentProvider.class);
    assertThat(
            PaymentSettings.from(
                    new Env(
                        Map.of("CHARON_PROVIDER", "stripe", "CHARON_STRIPE_API_KEY", "sk_live_x1")))
                .stripe()
                .orElseThrow()
                .baseUrl())
        .isEqualTo(URI.create("https://api.stripe.com"));
  }

  @Test
  void bad_provider_settings_refuse_to_start_naming_the_variable() {
    assertThatThrownBy(() -> PaymentSettings.from(new Env(Map.of("CHARON_PROVIDER", "paypal"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_PROVIDER");
    assertThatThrownBy(() -> PaymentSettings.from(new Env(Map.of("CHARON_PROVIDER", "stripe"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_STRIPE_API_KEY");
    assertThatThrownBy(
            () ->
                PaymentSettings.from(
                    new Env(
                        Map.of(
                            "CHARON_PROVIDER",
                            "stripe",
                            "CHARON_STRIPE_API_KEY",
                            "pk_test_public"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_STRIPE_API_KEY");
    assertThatThrownBy(
            () ->
                PaymentSettings.from(
                    new Env(
                        Map.of(
                            "CHARON_PROVIDER",
                            "stripe",
                            "CHARON_STRIPE_API_KEY",
                            "sk_test_1",
                            "CHARON_STRIPE_BASE_URL",
                            "localhost:12111"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_STRIPE_BASE_URL");
    assertThatThrownBy(
            () ->
                PaymentSettings.from(
                    new Env(
                        Map.of(
                            "CHARON_PROVIDER",
                            "stripe",
                            "CHARON_STRIPE_API_KEY",
                            "sk_test_1",
                            "CHARON_STRIPE_TIMEOUT",
                            "0s"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_STRIPE_TIMEOUT");
    assertThatThrownBy(() -> PaymentSettings.from(new Env(Map.of("CHARON_PROVIDER", "gateway"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_GATEWAY_URL");
  }
}
