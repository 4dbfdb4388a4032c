package dev.charon.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A reverse proxy in front of the Stripe emulator that injects the network and server faults the
 * emulator cannot produce for customer charges (its tok_500/tok_429 work only for token charges): a
 * response lost after Stripe processed the request, a 500 before processing, a 429 with {@code
 * Stripe-Should-Retry}, a 409 {@code idempotency_key_in_use}. Faults are queued for the next POSTs
 * that move money (/v1/charges, /v1/refunds) or switched on for every one; each fault that struck
 * is counted, so a test can prove its faults happened. Every answer closes its connection.
 */
public final class StripeFaultProxy implements AutoCloseable {
  public enum Fault {
    /**
     * Forward to the emulator (which charges), then cut the connection halfway through the answer.
     */
    LOSE_RESPONSE,
    /** Answer 500 api_error without forwarding. */
    ANSWER_500,
    /** Answer 429 rate_limit with Stripe-Should-Retry: true, without forwarding. */
    ANSWER_429,
    /** Answer 409 idempotency_key_in_use, without forwarding. */
    ANSWER_409_IN_USE
  }

  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "content-length",
          "transfer-encoding",
          "keep-alive",
          "host",
          "upgrade",
          "expect");

  private final HttpServer server;
  private final URI upstream;
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final ConcurrentLinkedQueue<Fault> next = new ConcurrentLinkedQueue<>();
  private final AtomicReference<Fault> always = new AtomicReference<>();
  private final AtomicInteger struck = new AtomicInteger();
  private final AtomicInteger forwardedCharges = new AtomicInteger();
  private volatile Duration latency = Duration.ZERO;

  private StripeFaultProxy(HttpServer server, URI upstream) {
    this.server = server;
    this.upstream = upstream;
  }

  public static StripeFaultProxy start(String upstream) {
    try {
      var server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
      var proxy = new StripeFaultProxy(server, URI.create(upstream));
      server.createContext("/", proxy::handle);
      server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      server.start();
      return proxy;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The next charge POST meets {@code fault}; queued faults strike in order. */
  public void failNext(Fault fault) {
    next.add(fault);
  }

  /** Every charge POST meets {@code fault} until {@link #heal}. */
  public void failAll(Fault fault) {
    always.set(fault);
  }

  /**
   * Every charge POST waits this long before it is forwarded (a run that lasts long enough to
   * strike).
   */
  public void latency(Duration perCharge) {
    latency = perCharge;
  }

  public void heal() {
    always.set(null);
    next.clear();
  }

  /** Faults that struck so far. */
  public int struck() {
    return struck.get();
  }

  /** Charge POSTs that reached the emulator. */
  public int forwardedCharges() {
    return forwardedCharges.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      var body = exchange.getRequestBody().readAllBytes();
      boolean post = "POST".equals(exchange.getRequestMethod());
      var path = exchange.getRequestURI().getPath();
      boolean charge = post && "/v1/charges".equals(path);
      boolean refund = post && "/v1/refunds".equals(path);
      Fault fault = null;
      if (charge || refund) {
        fault = always.get();
        if (fault == null) {
          fault = next.poll();
        }
      }
      if (fault != null && fault != Fault.LOSE_RESPONSE) {
        struck.incrementAndGet();
        switch (fault) {
          case ANSWER_500 ->
              answer(
                  exchange,
                  500,
                  "{\"error\":{\"type\":\"api_error\",\"message\":\"An unknown error occurred\"}}",
                  false);
          case ANSWER_429 ->
              answer(
                  exchange,
                  429,
                  "{\"error\":{\"type\":\"rate_limit_error\",\"code\":\"rate_limit\",\"message\":\"Too many requests\"}}",
                  true);
          case ANSWER_409_IN_USE ->
              answer(
                  exchange,
                  409,
                  "{\"error\":{\"type\":\"idempotency_error\",\"code\":\"idempotency_key_in_use\","
                      + "\"message\":\"There is currently another in-progress request using this Stripe token\"}}",
                  true);
          default -> throw new IllegalStateException();
        }
        return;
      }
      if (charge && !latency.isZero()) {
        try {
          Thread.sleep(latency);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException(e);
        }
      }
      var forward =
          HttpRequest.newBuilder(upstream.resolve(exchange.getRequestURI().toString()))
              .timeout(Duration.ofSeconds(30))
              .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
      exchange
          .getRequestHeaders()
          .forEach(
              (name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase())) {
                  values.forEach(v -> forward.header(name, v));
                }
              });
      HttpResponse<byte[]> response;
      try {
        response = client.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      if (charge) {
        forwardedCharges.incrementAndGet();
      }
      response
          .headers()
          .map()
          .forEach(
              (name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase()) && !name.startsWith(":")) {
                  exchange.getResponseHeaders().put(name, values);
                }
              });
      exchange.getResponseHeaders().set("Connection", "close");
      exchange.sendResponseHeaders(
          response.statusCode(), response.body().length == 0 ? -1 : response.body().length);
      if (fault == Fault.LOSE_RESPONSE) {
        // The connection breaks mid-answer: the status line and half the body arrive, then the
        // socket closes (an exception out of the handler makes the JDK server drop it). Cutting
        // before any byte would not do: the JDK client silently re-sends a POST whose connection
        // closed without an answer, and the re-send would be answered.
        exchange.getResponseBody().write(response.body(), 0, response.body().length / 2);
        exchange.getResponseBody().flush();
        struck.incrementAndGet();
        throw new IOException("stripe fault proxy: response lost on purpose");
      }
      exchange.getResponseBody().write(response.body());
    }
  }

  private static void answer(HttpExchange exchange, int status, String json, boolean shouldRetry)
      throws IOException {
    var bytes = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.getResponseHeaders().set("Stripe-Should-Retry", String.valueOf(shouldRetry));
    exchange.getResponseHeaders().set("Connection", "close");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
    client.close();
  }
}
