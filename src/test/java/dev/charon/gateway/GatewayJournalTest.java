package dev.charon.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.charon.payment.fake.FaultProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayJournalTest {
  @TempDir Path dir;

  Path journal() {
    return dir.resolve("state").resolve("journal.jsonl");
  }

  @Test
  void stored_results_survive_a_restart_and_replay_identically() throws IOException {
    TestGateway.Reply charged, declined;
    try (var gateway = TestGateway.start(journal(), FaultProfile.none())) {
      charged = gateway.charge("k-1", 1, 2, 12_345, "EUR");
      gateway.admin.configure(FaultProfile.builder().declineRate(1).build());
      declined = gateway.charge("k-2", 2, 3, 500, "USD");
    }

    try (var restarted = TestGateway.start(journal(), FaultProfile.none())) {
      assertThat(restarted.server.replayed()).isEqualTo(2);
      var replayedCharge = restarted.charge("k-1", 1, 2, 12_345, "EUR");
      var replayedDecline = restarted.charge("k-2", 2, 3, 500, "USD");
      assertThat(replayedCharge.status()).isEqualTo(201);
      assertThat(replayedCharge.body()).isEqualTo(charged.body());
      assertThat(replayedDecline.status()).isEqualTo(402);
      assertThat(replayedDecline.body()).isEqualTo(declined.body());
      assertThat(restarted.charge("k-1", 1, 2, 1, "EUR").code()).isEqualTo("idempotency_key_reuse");
      restarted.charge("k-3", 3);
      assertThat(
              restarted.get("/ledger/charges?after=1").json().at("/charges/0/chargeSeq").asLong())
          .isEqualTo(2);
      assertThat(restarted.get("/ledger/summary").json().at("/currencies/EUR/sumMinor").asLong())
          .isEqualTo(12_345 + 1_000);
    }
  }

  @Test
  void a_torn_last_line_is_ignored_and_cut_off() throws IOException {
    try (var gateway = TestGateway.start(journal(), FaultProfile.none())) {
      gateway.charge("k-1", 1);
      gateway.charge("k-2", 2);
    }
    long whole = Files.size(journal());
    Files.writeString(
        journal(),
        "{\"chargeSeq\":3,\"key\":\"k-3\",\"invoiceId\":3,\"cust",
        StandardOpenOption.APPEND);

    try (var restarted = TestGateway.start(journal(), FaultProfile.none())) {
      assertThat(restarted.server.replayed()).isEqualTo(2);
      assertThat(Files.size(journal())).isEqualTo(whole);
      assertThat(restarted.resultsFor(3)).isEmpty();
      assertThat(restarted.charge("k-3", 3).status()).isEqualTo(201);
    }
    try (var again = TestGateway.start(journal(), FaultProfile.none())) {
      assertThat(again.server.replayed()).isEqualTo(3);
    }
  }

  @Test
  void a_bad_line_before_the_end_stops_the_gateway() throws IOException {
    try (var gateway = TestGateway.start(journal(), FaultProfile.none())) {
      gateway.charge("k-1", 1);
    }
    var lines = Files.readString(journal());
    Files.writeString(journal(), "garbage\n" + lines, StandardCharsets.UTF_8);

    assertThatThrownBy(() -> TestGateway.start(journal(), FaultProfile.none()))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("corrupt at line 1");
  }

  @Test
  void reset_starts_from_an_empty_journal() throws IOException {
    try (var gateway = TestGateway.start(journal(), FaultProfile.none())) {
      gateway.charge("k-1", 1);
    }

    try (var fresh = TestGateway.start(journal(), FaultProfile.none(), true)) {
      assertThat(fresh.server.replayed()).isZero();
      assertThat(fresh.resultsFor(1)).isEmpty();
      assertThat(Files.size(journal())).isZero();
    }
  }

  @Test
  void a_second_gateway_cannot_open_a_journal_in_use() {
    try (var gateway = TestGateway.start(journal(), FaultProfile.none())) {
      assertThat(gateway.get("/health").status()).isEqualTo(200);
      assertThatThrownBy(() -> TestGateway.start(journal(), FaultProfile.none()))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("in use");
    }
  }

  @Test
  void every_result_is_on_disk_when_its_response_arrives() throws IOException {
    try (var gateway = TestGateway.start(journal(), FaultProfile.none())) {
      var reply = gateway.charge("k-1", 1);

      var lines = Files.readAllLines(journal());
      assertThat(lines).hasSize(1);
      assertThat(lines.get(0)).contains("\"key\":\"k-1\"", reply.json().path("chargeId").asText());
    }
  }

  @Test
  void a_journal_written_before_refunds_replays_its_untyped_lines_as_charges() throws IOException {
    Files.createDirectories(journal().getParent());
    Files.writeString(
        journal(),
        """
        {"chargeSeq":1,"key":"k-1","invoiceId":1,"customerId":2,"amountMinor":700,"currency":"EUR","outcome":"charged","chargeId":"ch_old","at":"2026-12-01T10:00:00Z"}
        """);

    try (var gateway = TestGateway.start(journal(), FaultProfile.none())) {
      assertThat(gateway.server.replayed()).isEqualTo(1);
      assertThat(gateway.refund("r-1", 1, "ch_old", 700, "EUR").status()).isEqualTo(201);
      assertThat(gateway.charge("k-2", 2).status()).isEqualTo(201);
      assertThat(gateway.get("/ledger/charges?after=1").json().at("/charges/0/chargeSeq").asLong())
          .isEqualTo(2);
    }
  }
}
