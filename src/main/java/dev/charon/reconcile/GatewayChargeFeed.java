package dev.charon.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.charon.audit.ProviderLedger;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The gateway's ledger ({@code GET /ledger/charges?after=seq}), in its charge sequence. */
public final class GatewayChargeFeed implements ChargeFeed {
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();
  private final URI base;

  public GatewayChargeFeed(URI base) {
    var text = base.toString();
    this.base = URI.create(text.endsWith("/") ? text : text + "/");
  }

  @Override
  public String provider() {
    return "gateway";
  }

  @Override
  public String start() {
    return "0";
  }

  @Override
  public List<Entry> after(String position, int limit) throws IOException, InterruptedException {
    long after = Long.parseLong(position);
    var path = "ledger/charges?after=" + after + "&limit=" + limit;
    var response =
        http.send(
            HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(30))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException(
          "gateway answered " + response.statusCode() + " to GET " + path + ": " + response.body());
    }
    var entries = new ArrayList<Entry>();
    for (JsonNode c : json.readTree(response.body()).get("charges")) {
      entries.add(
          new Entry(
              new ProviderLedger.Charge(
                  c.get("key").asText(),
                  c.get("invoiceId").asLong(),
                  c.get("chargeId").asText(),
                  c.get("amountMinor").asLong(),
                  c.get("currency").asText(),
                  created(c.get("at"))),
              Long.toString(c.get("chargeSeq").asLong())));
    }
    return entries;
  }

  // ISO-8601 from the gateway's JSON; epoch seconds if a mapper writes dates as numbers.
  private static Instant created(JsonNode at) {
    if (at == null || at.isNull()) {
      throw new IllegalStateException("the gateway's ledger has a charge without its time (at)");
    }
    if (at.isNumber()) {
      var seconds = at.decimalValue();
      return Instant.ofEpochSecond(
          seconds.longValue(),
          seconds.remainder(java.math.BigDecimal.ONE).movePointRight(9).longValue());
    }
    return Instant.parse(at.asText());
  }
}
