package dev.charon.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.charon.payment.fake.FaultProfile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayLedgerTest {
  @TempDir Path dir;
  TestGateway gateway;

  @BeforeEach
  void start() {
    gateway = TestGateway.start(dir.resolve("journal.jsonl"), FaultProfile.none());
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  @Test
  void summary_counts_and_sums_successful_charges_per_currency() throws IOException {
    gateway.charge("a", 1, 1, 1_000, "EUR");
    gateway.charge("b", 2, 2, 2_500, "EUR");
    gateway.charge("c", 3, 3, 700, "USD");
    gateway.admin.configure(FaultProfile.builder().declineRate(1).build());
    gateway.charge("d", 4, 4, 9_999, "EUR");

    var summary = gateway.get("/ledger/summary").json();

    assertThat(summary.at("/currencies/EUR/count").asLong()).isEqualTo(2);
    assertThat(summary.at("/currencies/EUR/sumMinor").asLong()).isEqualTo(3_500);
    assertThat(summary.at("/currencies/USD/count").asLong()).isEqualTo(1);
    assertThat(summary.at("/currencies/USD/sumMinor").asLong()).isEqualTo(700);
    assertThat(summary.path("chargedCount").asLong()).isEqualTo(3);
    assertThat(summary.at("/results/declined").asLong()).isEqualTo(1);
    assertThat(summary.path("invoicesChargedMoreThanOnce").asLong()).isZero();
  }

  @Test
  void summary_names_an_invoice_charged_under_two_keys() throws IOException {
    gateway.charge("first", 9, 1, 1_000, "EUR");
    gateway.charge("second", 9, 1, 1_000, "EUR");
    gateway.charge("third", 9, 1, 1_000, "EUR");

    var summary = gateway.get("/ledger/summary").json();

    assertThat(summary.path("invoicesChargedMoreThanOnce").asLong()).isEqualTo(1);
    assertThat(summary.path("invoiceIdsChargedMoreThanOnce").get(0).asLong()).isEqualTo(9);
    assertThat(gateway.resultsFor(9))
        .extracting(r -> r.path("key").asText())
        .containsExactly("first", "second", "third");
  }

  @Test
  void ledger_pages_through_every_successful_charge_in_order() throws IOException {
    for (int i = 1; i <= 5; i++) {
      gateway.charge("k-" + i, i);
    }
    gateway.admin.configure(FaultProfile.builder().declineRate(1).build());
    gateway.charge("declined", 6);

    var seen = new ArrayList<Long>();
    long after = 0;
    int pages = 0;
    while (true) {
      var page = gateway.get("/ledger/charges?after=" + after + "&limit=2").json();
      pages++;
      page.path("charges").forEach(c -> seen.add(c.path("chargeSeq").asLong()));
      if (page.path("nextAfter").isNull()) {
        break;
      }
      after = page.path("nextAfter").asLong();
    }

    assertThat(seen).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(pages).isEqualTo(3);
  }

  @Test
  void results_for_an_invoice_list_key_outcome_amount_and_time() throws IOException {
    var charged = gateway.charge("k-1", 4, 2, 555, "DKK").json();

    List<JsonNode> results = new ArrayList<>();
    gateway.resultsFor(4).forEach(results::add);

    assertThat(results).hasSize(1);
    var result = results.get(0);
    assertThat(result.path("key").asText()).isEqualTo("k-1");
    assertThat(result.path("outcome").asText()).isEqualTo("charged");
    assertThat(result.path("chargeId").asText()).isEqualTo(charged.path("chargeId").asText());
    assertThat(result.path("amountMinor").asLong()).isEqualTo(555);
    assertThat(result.path("currency").asText()).isEqualTo("DKK");
    assertThat(result.path("at").asText()).isNotBlank();
    assertThat(gateway.get("/charges").status()).isEqualTo(400);
  }

  @Test
  void admin_config_changes_knobs_at_runtime_and_rejects_bad_values() throws IOException {
    var updated =
        gateway.send("PUT", "/admin/config", "{\"declineRate\":1.0,\"customersNotFound\":[42]}");

    assertThat(updated.status()).isEqualTo(200);
    assertThat(updated.json().path("declineRate").asDouble()).isEqualTo(1.0);
    assertThat(gateway.charge("k-1", 1, 7, 100, "EUR").status()).isEqualTo(402);
    assertThat(gateway.charge("k-2", 2, 42, 100, "EUR").status()).isEqualTo(422);

    var bad = gateway.send("PUT", "/admin/config", "{\"timeoutRate\":1.5}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.code()).isEqualTo("invalid_config");
    assertThat(gateway.get("/admin/config").json().path("timeoutRate").asDouble()).isZero();
  }
}
