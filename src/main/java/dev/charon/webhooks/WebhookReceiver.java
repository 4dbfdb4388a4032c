package dev.charon.webhooks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A receiver to try webhooks with ({@code charon webhook-receiver}, {@code charon demo
 * --webhook-receiver}): accepts POSTs on any path, verifies each with {@link WebhookVerifier},
 * answers 204 to a genuine delivery and 401 to anything else, and reports each verified delivery,
 * marking the ones whose {@code webhook-id} it has seen before (deliveries are at least once).
 */
public final class WebhookReceiver implements AutoCloseable {
  /** A verified delivery. */
  public record Received(
      String id, String type, String subject, boolean duplicate, int signatures) {}

  private final HttpServer server;
  private final AtomicReference<WebhookVerifier> verifier;

  private WebhookReceiver(HttpServer server, AtomicReference<WebhookVerifier> verifier) {
    this.server = server;
    this.verifier = verifier;
  }

  /** Listens on {@code host:port} (0: any free port); set the secret before deliveries come. */
  public static WebhookReceiver start(
      String host, int port, Consumer<Received> onDelivery, Consumer<String> onRefused) {
    var verifier = new AtomicReference<WebhookVerifier>();
    var seen = ConcurrentHashMap.<String>newKeySet();
    var json = new ObjectMapper();
    try {
      var server = HttpServer.create(new InetSocketAddress(host, port), 0);
      server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      server.createContext(
          "/",
          exchange -> {
            try (exchange) {
              var body = exchange.getRequestBody().readAllBytes();
              var headers = exchange.getRequestHeaders();
              var id = headers.getFirst("webhook-id");
              var check = verifier.get();
              int status;
              if (!exchange.getRequestMethod().equals("POST")) {
                status = 405;
              } else if (check == null) {
                onRefused.accept("no secret set yet; refused delivery " + id);
                status = 503;
              } else {
                try {
                  var signature = headers.getFirst("webhook-signature");
                  check.verify(id, headers.getFirst("webhook-timestamp"), signature, body);
                  var event = json.readTree(body);
                  onDelivery.accept(
                      new Received(
                          id,
                          event.path("type").asText(),
                          event.path("subject").asText(),
                          !seen.add(id),
                          signature.trim().split(" ").length));
                  status = 204;
                } catch (WebhookVerifier.Invalid e) {
                  onRefused.accept("refused delivery " + id + ": " + e.getMessage());
                  status = 401;
                }
              }
              exchange.sendResponseHeaders(status, -1);
            }
          });
      server.start();
      return new WebhookReceiver(server, verifier);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen for webhooks on " + host + ":" + port, e);
    }
  }

  public WebhookReceiver secret(String secret) {
    verifier.set(new WebhookVerifier(secret));
    return this;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
