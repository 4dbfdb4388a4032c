package dev.charon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvTest {
  @Test
  void unset_variables_take_their_documented_defaults() {
    var env = new Env(Map.of());
    assertThat(HttpSettings.from(env).port()).isEqualTo(7000);
    assertThat(DatabaseSettings.from(env).embedded()).isTrue();
    assertThat(DatabaseSettings.from(env).connectTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(env.duration("CHARON_X", Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void a_bad_value_is_refused_with_the_variable_named() {
    assertThatThrownBy(() -> HttpSettings.from(new Env(Map.of("CHARON_HTTP_PORT", "seventy"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_HTTP_PORT=seventy");
    assertThatThrownBy(() -> HttpSettings.from(new Env(Map.of("CHARON_HTTP_PORT", "70000"))))
        .hasMessageContaining("CHARON_HTTP_PORT")
        .hasMessageContaining("out of range");
    assertThatThrownBy(() -> DatabaseSettings.from(new Env(Map.of("CHARON_DB_URL", "mysql://x"))))
        .hasMessageContaining("CHARON_DB_URL");
    assertThatThrownBy(
            () -> DatabaseSettings.from(new Env(Map.of("CHARON_DB_CONNECT_TIMEOUT", "100ms"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_DB_CONNECT_TIMEOUT=100ms")
        .hasMessageContaining("at least 250ms");
    assertThatThrownBy(
            () -> new Env(Map.of("CHARON_T", "5 parsecs")).duration("CHARON_T", Duration.ZERO))
        .hasMessageContaining("CHARON_T");
  }

  @Test
  void durations_accept_common_units() {
    var env = new Env(Map.of("A", "500ms", "B", "30s", "C", "5m", "D", "2h"));
    assertThat(env.duration("A", Duration.ZERO)).isEqualTo(Duration.ofMillis(500));
    assertThat(env.duration("B", Duration.ZERO)).isEqualTo(Duration.ofSeconds(30));
    assertThat(env.duration("C", Duration.ZERO)).isEqualTo(Duration.ofMinutes(5));
    assertThat(env.duration("D", Duration.ZERO)).isEqualTo(Duration.ofHours(2));
  }
}
