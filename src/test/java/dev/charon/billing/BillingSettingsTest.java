package dev.charon.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.charon.config.ConfigException;
import dev.charon.config.Env;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BillingSettingsTest {
  @Test
  void unset_variables_take_the_documented_defaults() {
    var settings = BillingSettings.from(new Env(Map.of()));
    assertThat(settings.cron()).isEqualTo("0 0 0 1 * *");
    assertThat(settings.zone()).isEqualTo(ZoneId.of("UTC"));
    assertThat(settings.retryPoll()).isEqualTo(Duration.ofSeconds(10));
    assertThat(settings.batchSize()).isEqualTo(1000);
  }

  @Test
  void set_variables_are_used() {
    var settings =
        BillingSettings.from(
            new Env(
                Map.of(
                    "CHARON_BILLING_CRON", "0 30 6 1 * *",
                    "CHARON_BILLING_ZONE", "Pacific/Auckland",
                    "CHARON_RETRY_POLL", "2s",
                    "CHARON_BILLING_BATCH", "250")));
    assertThat(settings.cron()).isEqualTo("0 30 6 1 * *");
    assertThat(settings.zone()).isEqualTo(ZoneId.of("Pacific/Auckland"));
    assertThat(settings.schedule().getZoneId()).isEqualTo(ZoneId.of("Pacific/Auckland"));
    assertThat(settings.retryPoll()).isEqualTo(Duration.ofSeconds(2));
    assertThat(settings.batchSize()).isEqualTo(250);
  }

  @Test
  void a_bad_value_is_refused_with_the_variable_named() {
    assertThatThrownBy(() -> from("CHARON_BILLING_ZONE", "Mars/Olympus_Mons"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_BILLING_ZONE=Mars/Olympus_Mons");
    assertThatThrownBy(() -> from("CHARON_BILLING_CRON", "every first of the month"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_BILLING_CRON=every first of the month");
    assertThatThrownBy(() -> from("CHARON_BILLING_CRON", "0 0 1 * *"))
        .as("five fields: the seconds are missing")
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_BILLING_CRON");
    assertThatThrownBy(() -> from("CHARON_RETRY_POLL", "0s"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_RETRY_POLL");
    assertThatThrownBy(() -> from("CHARON_BILLING_BATCH", "0"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_BILLING_BATCH");
  }

  private static BillingSettings from(String name, String value) {
    return BillingSettings.from(new Env(Map.of(name, value)));
  }
}
