package dev.charon.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.charon.config.ConfigException;
import dev.charon.config.Env;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhookSettingsTest {
  @Test
  void defaults_are_off_without_a_key_public_addresses_only_and_the_spec_schedule() {
    var settings = WebhookSettings.from(new Env(Map.of()));
    assertThat(settings.key()).isEmpty();
    assertThat(settings.box()).isEmpty();
    assertThat(settings.allowPrivate()).isFalse();
    assertThat(settings.retryDelays()).isEqualTo(RetrySchedule.SPEC_RETRIES).hasSize(9);
    assertThat(settings.timeout()).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void a_good_key_and_schedule_are_read() {
    var key = Base64.getEncoder().encodeToString(new byte[32]);
    var settings =
        WebhookSettings.from(
            new Env(
                Map.of(
                    WebhookSettings.KEY,
                    key,
                    WebhookSettings.ALLOW_PRIVATE,
                    "true",
                    "CHARON_WEBHOOKS_RETRY_SCHEDULE",
                    "1s,2s",
                    "CHARON_WEBHOOKS_LEASE",
                    "30s")));
    assertThat(settings.box()).isPresent();
    assertThat(settings.allowPrivate()).isTrue();
    assertThat(settings.retryDelays())
        .containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2));
    assertThat(settings.lease()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void bad_values_refuse_to_start_naming_the_variable() {
    assertThatThrownBy(
            () -> WebhookSettings.from(new Env(Map.of(WebhookSettings.KEY, "not base64!"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_WEBHOOKS_KEY");
    assertThatThrownBy(
            () ->
                WebhookSettings.from(
                    new Env(
                        Map.of(
                            WebhookSettings.KEY,
                            Base64.getEncoder().encodeToString(new byte[16])))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_WEBHOOKS_KEY")
        .hasMessageContaining("32 bytes");
    assertThatThrownBy(
            () -> WebhookSettings.from(new Env(Map.of(WebhookSettings.ALLOW_PRIVATE, "yes"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_WEBHOOKS_ALLOW_PRIVATE");
    assertThatThrownBy(() -> WebhookSettings.from(new Env(Map.of("CHARON_WEBHOOKS_LEASE", "5s"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_WEBHOOKS_LEASE");
    assertThatThrownBy(
            () ->
                WebhookSettings.from(new Env(Map.of("CHARON_WEBHOOKS_ENDPOINT_CONCURRENCY", "0"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_WEBHOOKS_ENDPOINT_CONCURRENCY");
  }
}
