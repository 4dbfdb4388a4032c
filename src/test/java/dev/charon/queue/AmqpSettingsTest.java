package dev.charon.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.charon.config.ConfigException;
import dev.charon.config.Env;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AmqpSettingsTest {
  @Test
  void unset_variables_take_their_documented_defaults() {
    var settings = AmqpSettings.from(new Env(Map.of()));
    assertThat(settings.url()).hasToString("amqp://guest:guest@127.0.0.1:5672/%2F");
    assertThat(settings.exchange()).isEqualTo("charon.charges");
    assertThat(settings.queue()).isEqualTo("charon.charge-requests");
    assertThat(settings.deadLetterExchange()).isEqualTo("charon.charges.dead");
    assertThat(settings.deadLetterQueue()).isEqualTo("charon.charge-requests.dead");
    assertThat(settings.prefetch()).isEqualTo(64);
    assertThat(settings.deliveryLimit()).isEqualTo(20);
    assertThat(settings.republishAfter()).isEqualTo(Duration.ofMinutes(5));
    assertThat(settings.relayBatch()).isEqualTo(500);
  }

  @Test
  void a_bad_value_is_refused_with_the_variable_named() {
    assertRefused("CHARON_AMQP_PREFETCH", "0");
    assertRefused("CHARON_AMQP_PREFETCH", "lots");
    assertRefused("CHARON_AMQP_DELIVERY_LIMIT", "-1");
    assertRefused("CHARON_AMQP_QUEUE", "amq.sneaky");
    assertRefused("CHARON_AMQP_EXCHANGE", "has spaces");
    assertRefused("CHARON_RELAY_REPUBLISH_AFTER", "0s");
    assertRefused("CHARON_RELAY_BATCH", "0");
    assertRefused("CHARON_AMQP_URL", "http://guest:secret@host/");
  }

  @Test
  void a_refused_url_is_not_echoed_because_it_may_hold_a_password() {
    assertThatThrownBy(
            () -> AmqpSettings.from(new Env(Map.of("CHARON_AMQP_URL", "amqp://u:secret@"))))
        .hasMessageContaining("CHARON_AMQP_URL")
        .hasMessageNotContaining("secret");
    var settings =
        AmqpSettings.from(new Env(Map.of("CHARON_AMQP_URL", "amqp://u:secret@rabbit:5672/prod")));
    assertThat(settings.safeUrl()).isEqualTo("amqp://u:***@rabbit:5672/prod");
  }

  @Test
  void a_comma_separated_list_names_every_node_of_a_cluster() {
    var settings =
        AmqpSettings.from(
            new Env(
                Map.of(
                    "CHARON_AMQP_URL",
                    "amqp://u:secret@127.0.0.1:5674/%2F, amqp://u:secret@127.0.0.1:5675/%2F,amqp://u:secret@127.0.0.1:5676/%2F")));
    assertThat(settings.nodes())
        .extracting(Object::toString)
        .containsExactly("127.0.0.1:5674", "127.0.0.1:5675", "127.0.0.1:5676");
    assertThat(settings.url()).hasToString("amqp://u:secret@127.0.0.1:5674/%2F");
    assertThat(settings.safeUrl()).doesNotContain("secret");
    assertThat(AmqpSettings.from(new Env(Map.of())).nodes())
        .extracting(Object::toString)
        .containsExactly("127.0.0.1:5672");
  }

  @Test
  void cluster_nodes_with_different_users_or_virtual_hosts_are_refused() {
    assertRefused("CHARON_AMQP_URL", "amqp://a:x@h1:5672/%2F,amqp://b:x@h2:5672/%2F");
    assertRefused("CHARON_AMQP_URL", "amqp://a:x@h1:5672/%2F,amqp://a:x@h2:5672/other");
    assertRefused("CHARON_AMQP_URL", "amqp://a:x@h1:5672/%2F,");
  }

  private static void assertRefused(String variable, String value) {
    assertThatThrownBy(() -> AmqpSettings.from(new Env(Map.of(variable, value))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(variable);
  }
}
