package dev.charon.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.charon.payment.fake.FaultProfile;
import dev.charon.testing.GatewayAdmin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A gateway on a free port with its own journal, and a raw HTTP client to talk to it. */
final class TestGateway implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  final GatewayServer server;
  final GatewayAdmin admin;

  private TestGateway(GatewayServer server) {
    this.server = server;
    this.admin = new GatewayAdmin(server.url());
  }

  static TestGateway start(Path journal, FaultProfile faults) {
    return start(journal, faults, false);
  }

  static TestGateway start(Path journal, FaultProfile faults, boolean reset) {
    return new TestGateway(
        GatewayServer.start(
            new GatewayServer.Options("127.0.0.1", 0, journal, reset, faults), Clock.systemUTC()));
  }

  record Reply(int status, String body, HttpResponse<String> raw) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + body, e);
      }
    }

    String code() {
      return json().path("code").asText();
    }
  }

  static String chargeBody(long invoiceId, long customerId, long amountMinor, String currency) {
    return """
        {"invoiceId":%d,"customerId":%d,"amountMinor":%d,"currency":"%s"}"""
        .formatted(invoiceId, customerId, amountMinor, currency);
  }

  /** Throws {@link IOException} when the gateway drops the connection (a simulated timeout). */
  Reply charge(String key, long invoiceId, long customerId, long amountMinor, String currency)
      throws IOException {
    try {
      return chargeAsync(key, invoiceId, customerId, amountMinor, currency).join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw e;
    }
  }

  Reply charge(String key, long invoiceId) throws IOException {
    return charge(key, invoiceId, 100 + invoiceId, 1_000, "EUR");
  }

  CompletableFuture<Reply> chargeAsync(
      String key, long invoiceId, long customerId, long amountMinor, String currency) {
    var request =
        HttpRequest.newBuilder(uri("/charges")).header("Content-Type", "application/json");
    if (key != null) {
      request.header("Idempotency-Key", key);
    }
    request.POST(
        HttpRequest.BodyPublishers.ofString(
            chargeBody(invoiceId, customerId, amountMinor, currency)));
    return client
        .sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> new Reply(r.statusCode(), r.body(), r));
  }

  Reply rawCharge(String key, String body) {
    return send(
        HttpRequest.newBuilder(uri("/charges"))
            .header("Idempotency-Key", key)
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  static String refundBody(
      long invoiceId, String chargeId, long amountMinor, String currency, String reason) {
    return """
        {"invoiceId":%d,"chargeId":"%s","amountMinor":%d,"currency":"%s","reason":"%s"}"""
        .formatted(invoiceId, chargeId, amountMinor, currency, reason);
  }

  Reply refund(String key, long invoiceId, String chargeId, long amountMinor, String currency) {
    return rawRefund(key, refundBody(invoiceId, chargeId, amountMinor, currency, "test refund"));
  }

  Reply rawRefund(String key, String body) {
    return send(
        HttpRequest.newBuilder(uri("/refunds"))
            .header("Idempotency-Key", key)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  Reply get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  Reply send(String method, String path, String body) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(body)));
  }

  private Reply send(HttpRequest.Builder request) {
    try {
      var r = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.body(), r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private URI uri(String path) {
    return URI.create(server.url() + path);
  }

  JsonNode resultsFor(long invoiceId) {
    return get("/charges?invoiceId=" + invoiceId).json();
  }

  @Override
  public void close() {
    server.close();
    client.close();
  }
}
