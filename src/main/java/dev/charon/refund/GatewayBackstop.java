package dev.charon.refund;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings in what happened at the {@code gateway} provider without Charon: it pages the gateway's
 * refund and dispute ledgers ({@code GET /ledger/refunds}, {@code /ledger/disputes}) from its last
 * cursor and applies each entry once through {@link ProviderFacts} (the same code the provider's
 * events go through). A refund whose key is one of Charon's own is the executor's to record and is
 * skipped. Every apply is idempotent, so a crash between an apply and its cursor only applies
 * nothing twice. An entry for an invoice Charon does not know is logged and counted, and passed: it
 * is never retried forever.
 */
public final class GatewayBackstop {
  private static final Logger log = LoggerFactory.getLogger(GatewayBackstop.class);
  private static final int PAGE = 200;

  private final Jdbi jdbi;
  private final ProviderFacts facts;
  private final URI gateway;
  private final MeterRegistry metrics;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();

  public GatewayBackstop(Jdbi jdbi, URI gateway, Clock clock, MeterRegistry metrics) {
    this.jdbi = jdbi;
    this.facts = new ProviderFacts(jdbi, clock, metrics);
    this.gateway = gateway;
    this.metrics = metrics;
  }

  /** What one pass applied. */
  public record Pass(int refunds, int disputes, int skipped) {}

  /** Pages both ledgers to their end and applies what is new. */
  public Pass runOnce() {
    int refunds = 0;
    int disputes = 0;
    int skipped = 0;
    for (var entry : page("refunds", "gateway.refunds", "refundSeq")) {
      if (applyRefund(entry)) {
        refunds++;
      } else {
        skipped++;
      }
      ProviderCursors.advance(jdbi, "gateway.refunds", entry.path("refundSeq").asLong());
    }
    for (var entry : page("disputes", "gateway.disputes", "disputeSeq")) {
      if (applyDispute(entry)) {
        disputes++;
      } else {
        skipped++;
      }
      ProviderCursors.advance(jdbi, "gateway.disputes", entry.path("disputeSeq").asLong());
    }
    if (refunds + disputes > 0) {
      log.info(
          "provider backstop applied {} refund(s) and {} dispute change(s) made at the gateway",
          refunds,
          disputes);
    }
    return new Pass(refunds, disputes, skipped);
  }

  private java.util.List<JsonNode> page(String list, String cursor, String seq) {
    long after = ProviderCursors.read(jdbi, cursor);
    var entries = new java.util.ArrayList<JsonNode>();
    while (true) {
      var body = get("/ledger/" + list + "?after=" + after + "&limit=" + PAGE);
      for (var entry : body.path(list)) {
        entries.add(entry);
        after = entry.path(seq).asLong();
      }
      if (body.path("nextAfter").isNull() || body.path(list).isEmpty()) {
        return entries;
      }
    }
  }

  private boolean applyRefund(JsonNode r) {
    var outcome = facts.refund(refundOf(r, "the gateway backstop"));
    count(
        switch (outcome.result()) {
          case APPLIED -> "refund";
          case KNOWN, OURS -> "known";
          case UNMATCHED, NOT_APPLICABLE -> "unapplied";
        });
    return outcome.applied();
  }

  private boolean applyDispute(JsonNode d) {
    var outcome = facts.dispute(disputeOf(d, "the gateway backstop"));
    count(outcome.applied() ? "dispute_" + d.path("status").asText() : "unapplied");
    return outcome.applied();
  }

  /** A refund as the gateway writes it in its ledger and in its signed events. */
  public static ProviderFacts.ExternalRefund refundOf(JsonNode r, String reportedBy) {
    return new ProviderFacts.ExternalRefund(
        r.path("refundId").asText(),
        r.path("invoiceId").asLong(),
        Money.ofMinor(
            r.path("amountMinor").asLong(), Currency.valueOf(r.path("currency").asText())),
        r.path("key").asText(null),
        r.path("reason").asText("no reason given"),
        reportedBy);
  }

  /** A dispute change as the gateway writes it in its ledger and in its signed events. */
  public static ProviderFacts.ExternalDispute disputeOf(JsonNode d, String reportedBy) {
    return new ProviderFacts.ExternalDispute(
        d.path("disputeId").asText(),
        d.path("invoiceId").asLong(),
        Money.ofMinor(
            d.path("amountMinor").asLong(), Currency.valueOf(d.path("currency").asText())),
        d.path("status").asText(),
        reportedBy);
  }

  private JsonNode get(String path) {
    var request =
        HttpRequest.newBuilder(gateway.resolve(path)).timeout(Duration.ofSeconds(10)).GET().build();
    try {
      var answer = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() != 200) {
        throw new IllegalStateException("gateway answered " + answer.statusCode() + " to " + path);
      }
      return json.readTree(answer.body());
    } catch (IOException e) {
      throw new IllegalStateException("gateway unreachable for " + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted reading " + path, e);
    }
  }

  private void count(String applied) {
    Counter.builder("charon.provider.backstop")
        .description("Provider ledger entries the backstop applied (or could not)")
        .tag("applied", applied)
        .register(metrics)
        .increment();
  }
}
