package dev.charon.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.charon.api.JavalinSetup;
import dev.charon.payment.domain.DeclineCode;
import dev.charon.payment.fake.DeclineMix;
import dev.charon.payment.fake.FaultProfile;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayIdempotencyTest {
  @TempDir Path dir;
  TestGateway gateway;

  @BeforeEach
  void start() {
    gateway =
        TestGateway.start(dir.resolve("journal.jsonl"), FaultProfile.builder().seed(7).build());
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  @Test
  void charge_is_created_with_a_charge_id() throws IOException {
    var reply = gateway.charge("k-1", 1, 2, 12_345, "EUR");

    assertThat(reply.status()).isEqualTo(201);
    assertThat(reply.json().path("outcome").asText()).isEqualTo("charged");
    assertThat(reply.json().path("chargeId").asText()).startsWith("ch_");
    assertThat(reply.json().path("amountMinor").asLong()).isEqualTo(12_345);
    assertThat(reply.json().path("currency").asText()).isEqualTo("EUR");
  }

  @Test
  void a_body_up_to_the_shared_64_kib_limit_is_taken_as_by_the_api() {
    var json = "{\"enabled\":true}";
    // Whitespace pads a valid body to exactly the limit the API has too (this gateway used to stop
    // at 64,000 bytes).
    var padded = json + " ".repeat((int) JavalinSetup.MAX_BODY_BYTES - json.length());

    var reply = gateway.send("POST", "/admin/outage", padded);

    assertThat(padded).hasSize(64 * 1024);
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    assertThat(gateway.get("/admin/outage").json().path("enabled").asBoolean()).isTrue();
  }

  @Test
  void same_key_replays_the_first_result() throws IOException {
    var first = gateway.charge("k-1", 1, 2, 12_345, "EUR");
    var again = gateway.charge("k-1", 1, 2, 12_345, "EUR");

    assertThat(again.status()).isEqualTo(first.status());
    assertThat(again.body()).isEqualTo(first.body());
    assertThat(again.raw().headers().firstValue("Idempotent-Replayed")).contains("true");
    assertThat(gateway.resultsFor(1)).hasSize(1);
  }

  @Test
  void a_decline_is_a_result_and_is_replayed_too() throws IOException {
    gateway.admin.configure(
        FaultProfile.builder()
            .declineRate(1)
            .declineMix(DeclineMix.only(DeclineCode.INSUFFICIENT_FUNDS))
            .build());
    var first = gateway.charge("k-1", 1);
    gateway.admin.configure(FaultProfile.none());
    var again = gateway.charge("k-1", 1);

    assertThat(first.status()).isEqualTo(402);
    assertThat(first.json().path("reason").asText()).isEqualTo("insufficient_funds");
    assertThat(again.body()).isEqualTo(first.body());
  }

  @Test
  void unknown_customer_and_currency_mismatch_are_422_with_their_outcome() throws IOException {
    gateway.admin.configure(
        FaultProfile.builder().customersNotFound(Set.of(5L)).currencyMismatch(Set.of(6L)).build());

    var notFound = gateway.charge("k-1", 1, 5, 100, "EUR");
    var mismatch = gateway.charge("k-2", 2, 6, 100, "EUR");

    assertThat(notFound.status()).isEqualTo(422);
    assertThat(notFound.json().path("outcome").asText()).isEqualTo("customer_not_found");
    assertThat(mismatch.status()).isEqualTo(422);
    assertThat(mismatch.json().path("outcome").asText()).isEqualTo("currency_mismatch");
  }

  @Test
  void same_key_with_other_parameters_is_rejected() throws IOException {
    gateway.charge("k-1", 1, 2, 12_345, "EUR");

    var reuse = gateway.charge("k-1", 1, 2, 99_999, "EUR");

    assertThat(reuse.status()).isEqualTo(422);
    assertThat(reuse.code()).isEqualTo("idempotency_key_reuse");
    assertThat(gateway.resultsFor(1)).hasSize(1);
  }

  @Test
  void concurrent_duplicate_of_a_key_in_progress_is_409() throws IOException {
    gateway.admin.configure(FaultProfile.builder().latency(1_500, 0).build());
    var slow = gateway.chargeAsync("k-1", 1, 2, 100, "EUR");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> gateway.get("/health").json().path("processing").asInt() == 1);

    var duplicate = gateway.charge("k-1", 1, 2, 100, "EUR");

    assertThat(duplicate.status()).isEqualTo(409);
    assertThat(duplicate.code()).isEqualTo("request_in_progress");
    assertThat(slow.join().status()).isEqualTo(201);
    gateway.admin.configure(FaultProfile.none());
    assertThat(gateway.charge("k-1", 1, 2, 100, "EUR").body()).isEqualTo(slow.join().body());
  }

  @Test
  void network_error_fails_before_processing_and_stores_nothing() throws IOException {
    gateway.admin.configure(FaultProfile.builder().networkErrorRate(1).build());

    var failed = gateway.charge("k-1", 1);

    assertThat(failed.status()).isEqualTo(503);
    assertThat(failed.code()).isEqualTo("network_error");
    assertThat(gateway.resultsFor(1)).isEmpty();
    gateway.admin.configure(FaultProfile.none());
    assertThat(gateway.charge("k-1", 1).status()).isEqualTo(201);
  }

  @Test
  void timeout_stores_the_charge_drops_the_response_and_a_retry_replays_it() throws IOException {
    gateway.admin.configure(FaultProfile.builder().timeoutRate(1).build());

    assertThatThrownBy(() -> gateway.charge("k-1", 1)).isInstanceOf(IOException.class);

    var stored = gateway.resultsFor(1);
    assertThat(stored).hasSize(1);
    assertThat(stored.get(0).path("outcome").asText()).isEqualTo("charged");
    var retry = gateway.charge("k-1", 1); // still timeoutRate 1: replays are never dropped
    assertThat(retry.status()).isEqualTo(201);
    assertThat(retry.json().path("chargeId").asText())
        .isEqualTo(stored.get(0).path("chargeId").asText());
    assertThat(gateway.get("/ledger/summary").json().path("chargedCount").asLong()).isEqualTo(1);
  }

  @Test
  void outage_refuses_every_charge_until_switched_off() throws IOException {
    assertThat(gateway.send("POST", "/admin/outage", "{\"enabled\":true}").status()).isEqualTo(200);

    var refused = gateway.charge("k-1", 1);
    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.code()).isEqualTo("outage");
    assertThat(gateway.resultsFor(1)).isEmpty();

    gateway.send("POST", "/admin/outage", "{\"enabled\":false}");
    assertThat(gateway.charge("k-1", 1).status()).isEqualTo(201);
  }

  @Test
  void missing_key_or_bad_body_is_400() throws IOException {
    assertThat(gateway.charge(null, 1).code()).isEqualTo("missing_idempotency_key");
    assertThat(gateway.charge("k-1", 1, 2, -5, "EUR").status()).isEqualTo(400);
    assertThat(gateway.charge("k-2", 1, 2, 5, "euro").status()).isEqualTo(400);
    assertThat(gateway.rawCharge("k-3", "{not json").code()).isEqualTo("invalid_body");
    assertThat(gateway.rawCharge("k-4", "{\"invoiceId\":1}").code()).isEqualTo("invalid_body");
    assertThat(gateway.resultsFor(1)).isEmpty();
  }
}
