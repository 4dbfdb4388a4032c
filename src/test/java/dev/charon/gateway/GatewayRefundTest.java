package dev.charon.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.payment.fake.FaultProfile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway's {@code POST /refunds} and dispute admin calls, over HTTP, with its journal. */
class GatewayRefundTest {
  @TempDir Path dir;

  Path journal() {
    return dir.resolve("journal.jsonl");
  }

  static String chargeId(TestGateway gateway, String key, long invoiceId, long amountMinor)
      throws IOException {
    var charged = gateway.charge(key, invoiceId, 100 + invoiceId, amountMinor, "EUR");
    assertThat(charged.status()).isEqualTo(201);
    return charged.json().get("chargeId").asText();
  }

  static long refundedSum(TestGateway gateway) {
    long sum = 0;
    for (var r : gateway.get("/ledger/refunds?after=0").json().get("refunds")) {
      sum += r.get("amountMinor").asLong();
    }
    return sum;
  }

  @Test
  void partial_refunds_add_up_to_the_charge_and_one_more_cent_is_an_over_refund()
      throws IOException {
    try (var gateway = TestGateway.start(journal(), FaultProfile.none())) {
      var charge = chargeId(gateway, "c-1", 1, 10_000);

      var first = gateway.refund("r-1", 1, charge, 3_000, "EUR");
      var rest = gateway.refund("r-2", 1, charge, 7_000, "EUR");
      var over = gateway.refund("r-3", 1, charge, 1, "EUR");

      assertThat(first.status()).isEqualTo(201);
      assertThat(first.json().get("outcome").asText()).isEqualTo("refunded");
      assertThat(first.json().get("refundId").asText()).startsWith("re_");
      assertThat(rest.status()).isEqualTo(201);
      assertThat(over.status()).isEqualTo(422);
      assertThat(over.json().get("outcome").asText()).isEqualTo("refused");
      assertThat(over.code()).isEqualTo("over_refund");
      assertThat(refundedSum(gateway)).isEqualTo(10_000);
      assertThat(gateway.get("/refunds?invoiceId=1").json()).hasSize(3);
    }
  }

  @Test
  void a_replayed_key_answers_the_first_result_and_other_parameters_are_refused()
      throws IOException {
    try (var gateway = TestGateway.start(journal(), FaultProfile.none())) {
      var charge = chargeId(gateway, "c-1", 1, 10_000);

      var first = gateway.refund("r-1", 1, charge, 2_500, "EUR");
      var replay = gateway.refund("r-1", 1, charge, 2_500, "EUR");
      var reused = gateway.refund("r-1", 1, charge, 2_600, "EUR");

      assertThat(replay.status()).isEqualTo(201);
      assertThat(replay.body()).isEqualTo(first.body());
      assertThat(replay.raw().headers().firstValue("Idempotent-Replayed")).hasValue("true");
      assertThat(reused.status()).isEqualTo(422);
      assertThat(reused.code()).isEqualTo("idempotency_key_reuse");
      assertThat(refundedSum(gateway)).isEqualTo(2_500);
    }
  }

  @Test
  void an_unknown_charge_and_another_currency_are_refused_and_refund_nothing() throws IOException {
    try (var gateway = TestGateway.start(journal(), FaultProfile.none())) {
      var charge = chargeId(gateway, "c-1", 1, 10_000);

      assertThat(gateway.refund("r-1", 1, "ch_nothing", 100, "EUR").code())
          .isEqualTo("charge_unknown");
      assertThat(gateway.refund("r-2", 2, charge, 100, "EUR").code())
          .as("the charge is another invoice's")
          .isEqualTo("charge_unknown");
      assertThat(gateway.refund("r-3", 1, charge, 100, "SEK").code())
          .isEqualTo("currency_mismatch");
      assertThat(refundedSum(gateway)).isZero();
    }
  }

  @Test
  void a_disputed_charge_cannot_be_refunded_until_the_dispute_is_won() throws IOException {
    try (var gateway = TestGateway.start(journal(), FaultProfile.none())) {
      var charge = chargeId(gateway, "c-1", 1, 10_000);
      gateway.refund("r-1", 1, charge, 1_000, "EUR");

      var opened = gateway.send("POST", "/admin/disputes", "{\"chargeId\":\"" + charge + "\"}");
      var dispute = opened.json().get("disputeId").asText();
      var whileOpen = gateway.refund("r-2", 1, charge, 1_000, "EUR");
      var won =
          gateway.send("POST", "/admin/disputes/" + dispute + "/close", "{\"outcome\":\"won\"}");
      var afterWin = gateway.refund("r-3", 1, charge, 1_000, "EUR");

      assertThat(opened.status()).isEqualTo(201);
      assertThat(opened.json().get("amountMinor").asLong())
          .as("what was left of the charge")
          .isEqualTo(9_000);
      assertThat(whileOpen.code()).isEqualTo("charge_disputed");
      assertThat(won.json().get("status").asText()).isEqualTo("won");
      assertThat(afterWin.status()).isEqualTo(201);
      assertThat(refundedSum(gateway)).isEqualTo(2_000);
    }
  }

  @Test
  void a_lost_dispute_is_listed_and_its_charge_stays_unrefundable_after_a_restart()
      throws IOException {
    String charge;
    try (var gateway = TestGateway.start(journal(), FaultProfile.none())) {
      charge = chargeId(gateway, "c-1", 1, 10_000);
      gateway.refund("r-1", 1, charge, 4_000, "EUR");
      var dispute =
          gateway
              .send("POST", "/admin/disputes", "{\"chargeId\":\"" + charge + "\"}")
              .json()
              .get("disputeId")
              .asText();
      assertThat(
              gateway
                  .send("POST", "/admin/disputes/" + dispute + "/close", "{\"outcome\":\"lost\"}")
                  .status())
          .isEqualTo(200);
      assertThat(
              gateway
                  .send("POST", "/admin/disputes/" + dispute + "/close", "{\"outcome\":\"won\"}")
                  .code())
          .isEqualTo("dispute_closed");
    }

    try (var restarted = TestGateway.start(journal(), FaultProfile.none())) {
      var changes = restarted.get("/ledger/disputes?after=0").json().get("disputes");
      assertThat(changes).hasSize(2);
      assertThat(changes.get(0).get("status").asText()).isEqualTo("open");
      assertThat(changes.get(1).get("status").asText()).isEqualTo("lost");
      assertThat(changes.get(1).get("amountMinor").asLong()).isEqualTo(6_000);
      assertThat(changes.get(1).get("disputeSeq").asLong()).isEqualTo(2);
      assertThat(restarted.get("/ledger/disputes?after=1").json().get("disputes")).hasSize(1);
      assertThat(restarted.refund("r-2", 1, charge, 1, "EUR").code()).isEqualTo("charge_disputed");
      assertThat(restarted.refund("r-1", 1, charge, 4_000, "EUR").status())
          .as("the refund before the dispute still replays")
          .isEqualTo(201);
    }
  }

  @Test
  void refunds_survive_a_restart_and_what_remains_refundable_is_kept() throws IOException {
    String charge;
    String first;
    try (var gateway = TestGateway.start(journal(), FaultProfile.none())) {
      charge = chargeId(gateway, "c-1", 1, 10_000);
      first = gateway.refund("r-1", 1, charge, 6_000, "EUR").body();
    }

    try (var restarted = TestGateway.start(journal(), FaultProfile.none())) {
      assertThat(restarted.refund("r-1", 1, charge, 6_000, "EUR").body()).isEqualTo(first);
      assertThat(restarted.refund("r-2", 1, charge, 4_001, "EUR").code()).isEqualTo("over_refund");
      var second = restarted.refund("r-3", 1, charge, 4_000, "EUR");
      assertThat(second.status()).isEqualTo(201);
      var ledger = restarted.get("/ledger/refunds?after=1").json();
      assertThat(ledger.get("refunds")).hasSize(1);
      assertThat(ledger.at("/refunds/0/refundSeq").asLong()).isEqualTo(2);
      assertThat(ledger.at("/refunds/0/refundId").asText())
          .isEqualTo(second.json().get("refundId").asText());
    }
  }

  @Test
  void ten_concurrent_refunds_of_30_percent_never_refund_more_than_the_charge() throws Exception {
    try (var gateway =
        TestGateway.start(journal(), FaultProfile.builder().latency(20, 10).build())) {
      var charge = chargeId(gateway, "c-1", 1, 10_000);
      var replies = new ArrayList<Future<TestGateway.Reply>>();
      try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int i = 0; i < 10; i++) {
          var key = "r-" + i;
          replies.add(pool.submit(() -> gateway.refund(key, 1, charge, 3_000, "EUR")));
        }
      }

      long refunded = 0;
      for (var reply : replies) {
        var r = reply.get();
        if (r.status() == 201) {
          refunded++;
        } else {
          assertThat(r.code()).isEqualTo("over_refund");
        }
      }
      assertThat(refunded).isEqualTo(3);
      assertThat(refundedSum(gateway)).isEqualTo(9_000);
    }
  }

  @Test
  void a_malformed_refund_is_a_400_that_names_the_field_and_stores_nothing() {
    try (var gateway = TestGateway.start(journal(), FaultProfile.none())) {
      var reply = gateway.rawRefund("r-1", "{\"invoiceId\":1,\"chargeId\":\"ch_1\"}");

      assertThat(reply.status()).isEqualTo(400);
      assertThat(reply.json().get("message").asText()).contains("amountMinor");
      assertThat(gateway.get("/refunds?invoiceId=1").json()).isEmpty();
    }
  }
}
