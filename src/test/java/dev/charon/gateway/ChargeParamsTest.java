package dev.charon.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.charon.api.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The charge body read by the streaming parser: what it accepts, and every way it refuses. */
class ChargeParamsTest {
  private static ChargeParams parse(String body) {
    return ChargeParams.parse(Json.mapper(), body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void a_charge_body_is_read_field_by_field_in_any_order() {
    assertThat(
            parse("{\"currency\":\"EUR\",\"amountMinor\":1250,\"customerId\":7,\"invoiceId\":42}"))
        .isEqualTo(new ChargeParams(42L, 7L, 1250L, "EUR"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "null",
        "[1,2]",
        "{not json",
        "{\"invoiceId\":1}",
        "{\"invoiceId\":1,\"customerId\":2,\"amountMinor\":3,\"currency\":\"EUR\",\"extra\":1}",
        "{\"invoiceId\":\"1\",\"customerId\":2,\"amountMinor\":3,\"currency\":\"EUR\"}",
        "{\"invoiceId\":1.5,\"customerId\":2,\"amountMinor\":3,\"currency\":\"EUR\"}",
        "{\"invoiceId\":1,\"customerId\":2,\"amountMinor\":0,\"currency\":\"EUR\"}",
        "{\"invoiceId\":1,\"customerId\":2,\"amountMinor\":-3,\"currency\":\"EUR\"}",
        "{\"invoiceId\":1,\"customerId\":2,\"amountMinor\":3,\"currency\":\"eur\"}",
        "{\"invoiceId\":1,\"customerId\":2,\"amountMinor\":3,\"currency\":\"EURO\"}",
        "{\"invoiceId\":1,\"customerId\":2,\"amountMinor\":3,\"currency\":7}",
        "{\"invoiceId\":99999999999999999999,\"customerId\":2,\"amountMinor\":3,\"currency\":\"EUR\"}"
      })
  void anything_else_is_refused_as_an_invalid_body(String body) {
    assertThatThrownBy(() -> parse(body))
        .isInstanceOfSatisfying(
            GatewayError.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.code()).isEqualTo("invalid_body");
              assertThat(e.getMessage()).isNotBlank();
            });
  }
}
