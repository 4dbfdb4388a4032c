package dev.charon.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads the provider's own truth: every successful charge and refund in the gateway's ledger, page
 * by page, and the disputes it lost.
 */
public final class GatewayLedger implements ProviderLedger {

  private static final int PAGE = 5000;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();
  private final URI base;

  public GatewayLedger(URI base) {
    this.base = base;
  }

  /** Streams all successful charges to {@code sink} in pages of up to 5,000. */
  @Override
  public void forEachPage(Consumer<List<Charge>> sink) throws IOException, InterruptedException {
    long after = 0;
    while (true) {
      var page = get("/ledger/charges?after=" + after + "&limit=" + PAGE);
      var charges = new ArrayList<Charge>();
      for (var c : page.get("charges")) {
        charges.add(
            new Charge(
                c.get("key").asText(),
                c.get("invoiceId").asLong(),
                c.get("chargeId").asText(),
                c.get("amountMinor").asLong(),
                c.get("currency").asText(),
                created(c.get("at"))));
      }
      if (!charges.isEmpty()) {
        sink.accept(charges);
      }
      var next = page.get("nextAfter");
      if (next == null || next.isNull() || charges.isEmpty()) {
        return;
      }
      after = next.asLong();
    }
  }

  /** Streams all successful refunds ({@code GET /ledger/refunds}) in pages of up to 5,000. */
  @Override
  public void forEachRefundPage(Consumer<List<Refund>> sink)
      throws IOException, InterruptedException {
    long after = 0;
    while (true) {
      var page = get("/ledger/refunds?after=" + after + "&limit=" + PAGE);
      var refunds = new ArrayList<Refund>();
      for (var r : page.get("refunds")) {
        refunds.add(
            new Refund(
                r.get("refundId").asText(),
                r.get("chargeId").asText(),
                r.get("invoiceId").asLong(),
                r.get("key").asText(),
                r.get("amountMinor").asLong(),
                r.get("currency").asText(),
                created(r.get("at"))));
      }
      if (!refunds.isEmpty()) {
        sink.accept(refunds);
      }
      var next = page.get("nextAfter");
      if (next == null || next.isNull() || refunds.isEmpty()) {
        return;
      }
      after = next.asLong();
    }
  }

  /** The last change of each dispute ({@code GET /ledger/disputes}), kept when it is lost. */
  @Override
  public List<LostDispute> lostDisputes() throws IOException, InterruptedException {
    var last = new java.util.LinkedHashMap<String, JsonNode>();
    long after = 0;
    while (true) {
      var page = get("/ledger/disputes?after=" + after + "&limit=" + PAGE);
      for (var d : page.get("disputes")) {
        last.put(d.get("disputeId").asText(), d);
      }
      var next = page.get("nextAfter");
      if (next == null || next.isNull() || page.get("disputes").isEmpty()) {
        break;
      }
      after = next.asLong();
    }
    return last.values().stream()
        .filter(d -> "lost".equals(d.get("status").asText()))
        .map(
            d ->
                new LostDispute(
                    d.get("disputeId").asText(),
                    d.get("chargeId").asText(),
                    d.get("invoiceId").asLong(),
                    d.get("amountMinor").asLong(),
                    d.get("currency").asText()))
        .toList();
  }

  // ISO-8601 from the gateway's JSON; epoch seconds if a mapper writes dates as numbers.
  private static Instant created(JsonNode at) {
    if (at == null || at.isNull()) {
      throw new IllegalStateException("the gateway's ledger has an entry without its time (at)");
    }
    if (at.isNumber()) {
      var seconds = at.decimalValue();
      return Instant.ofEpochSecond(
          seconds.longValue(),
          seconds.remainder(java.math.BigDecimal.ONE).movePointRight(9).longValue());
    }
    return Instant.parse(at.asText());
  }

  private JsonNode get(String path) throws IOException, InterruptedException {
    var response =
        http.send(
            HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(60))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException(
          "gateway answered " + response.statusCode() + " to GET " + path + ": " + response.body());
    }
    return json.readTree(response.body());
  }
}
