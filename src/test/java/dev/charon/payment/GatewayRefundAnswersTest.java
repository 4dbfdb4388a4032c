package dev.charon.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.payment.domain.RefundRequest;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Each answer of the gateway's {@code POST /refunds}, read as "could it have been refunded?". */
class GatewayRefundAnswersTest {
  static final RefundRequest REQUEST =
      new RefundRequest(
          42, "ch_1", Money.ofMinor(500, Currency.EUR), "inv42-ref1-x", "customer said \"oops\"");

  static RefundOutcome answer(int status, String body) {
    return GatewayRefundAnswers.outcome(REQUEST, status, body);
  }

  @Test
  void the_request_body_carries_the_refund_and_its_reason_escaped() throws IOException {
    var json = new ObjectMapper().readTree(GatewayRefundAnswers.body(REQUEST));

    assertThat(json.get("invoiceId").asLong()).isEqualTo(42);
    assertThat(json.get("chargeId").asText()).isEqualTo("ch_1");
    assertThat(json.get("amountMinor").asLong()).isEqualTo(500);
    assertThat(json.get("currency").asText()).isEqualTo("EUR");
    assertThat(json.get("reason").asText()).isEqualTo("customer said \"oops\"");
  }

  @Test
  void created_is_refunded_with_the_gateway_refund_id() {
    assertThat(answer(201, "{\"outcome\":\"refunded\",\"refundId\":\"re_9\"}"))
        .isEqualTo(new RefundOutcome.Refunded("re_9"));
  }

  @Test
  void each_business_refusal_is_refused_with_its_code_and_message() {
    for (var code :
        new String[] {"over_refund", "charge_disputed", "charge_unknown", "currency_mismatch"}) {
      assertThat(
              answer(
                  422,
                  "{\"outcome\":\"refused\",\"code\":\""
                      + code
                      + "\",\"message\":\"why "
                      + code
                      + "\"}"))
          .isEqualTo(new RefundOutcome.Refused(code, "why " + code));
    }
  }

  @Test
  void a_key_reused_with_other_parameters_is_a_bug_and_thrown() {
    assertThatThrownBy(
            () ->
                answer(
                    422,
                    "{\"outcome\":\"error\",\"code\":\"idempotency_key_reuse\",\"message\":\"x\"}"))
        .isInstanceOf(PaymentProviderException.class)
        .hasMessageContaining("idempotency_key_reuse")
        .hasMessageContaining("inv42-ref1-x");
  }

  @Test
  void only_the_gateway_own_refusals_are_unavailable_every_other_failure_is_unknown() {
    assertThat(answer(503, "{\"code\":\"outage\"}")).isInstanceOf(RefundOutcome.Unavailable.class);
    assertThat(answer(503, "{\"code\":\"network_error\"}"))
        .isInstanceOf(RefundOutcome.Unavailable.class);
    assertThat(answer(503, "<html>proxy</html>")).isInstanceOf(RefundOutcome.Unknown.class);
    assertThat(answer(502, "")).isInstanceOf(RefundOutcome.Unknown.class);
    assertThat(answer(500, "{\"code\":\"journal_failed\"}"))
        .isInstanceOf(RefundOutcome.Unknown.class);
    assertThat(answer(409, "{\"code\":\"request_in_progress\"}"))
        .isInstanceOf(RefundOutcome.Unknown.class);
  }

  @Test
  void a_transport_failure_keeps_the_charge_path_classification() {
    assertThat(GatewayRefundAnswers.failed(new ChargeOutcome.Unavailable("refused")))
        .isEqualTo(new RefundOutcome.Unavailable("refused"));
    assertThat(GatewayRefundAnswers.failed(new ChargeOutcome.Unknown("reset")))
        .isEqualTo(new RefundOutcome.Unknown("reset"));
  }

  @Test
  void a_refund_request_is_validated_where_it_is_made() {
    var eur = Money.ofMinor(1, Currency.EUR);
    assertThatThrownBy(() -> new RefundRequest(1, "ch", Money.ofMinor(0, Currency.EUR), "k", "r"))
        .hasMessageContaining("positive");
    assertThatThrownBy(() -> new RefundRequest(1, " ", eur, "k", "r"))
        .hasMessageContaining("charge reference");
    assertThatThrownBy(() -> new RefundRequest(1, "ch", eur, "", "r"))
        .hasMessageContaining("idempotency key");
    assertThatThrownBy(() -> new RefundRequest(1, "ch", eur, "k", " "))
        .hasMessageContaining("reason");
    assertThatThrownBy(() -> new RefundRequest(0, "ch", eur, "k", "r"))
        .hasMessageContaining("invoiceId");
  }
}
