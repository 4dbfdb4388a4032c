package dev.charon.webhooks;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A webhook receiver for tests: a real HTTP server on a local port that records every request and
 * answers as {@code behaviour} says for the n-th call (1-based). Can go down (connection refused)
 * and come back on the same port.
 */
final class TestReceiver implements AutoCloseable {
  record Request(
      String id,
      String timestamp,
      String signature,
      String contentType,
      byte[] body,
      String path) {}

  record Answer(int status, Map<String, String> headers, long delayMillis) {
    static Answer status(int status) {
      return new Answer(status, Map.of(), 0);
    }
  }

  final List<Request> requests = new CopyOnWriteArrayList<>();
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger maxInFlight = new AtomicInteger();
  private final AtomicInteger calls = new AtomicInteger();
  private volatile Function<Integer, Answer> behaviour;
  private HttpServer server;
  private int port;

  TestReceiver(Function<Integer, Answer> behaviour) {
    this.behaviour = behaviour;
    listen(0);
  }

  static TestReceiver answering(int status) {
    return new TestReceiver(n -> Answer.status(status));
  }

  private void listen(int onPort) {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", onPort), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            var h = exchange.getRequestHeaders();
            requests.add(
                new Request(
                    h.getFirst("webhook-id"),
                    h.getFirst("webhook-timestamp"),
                    h.getFirst("webhook-signature"),
                    h.getFirst("content-type"),
                    exchange.getRequestBody().readAllBytes(),
                    exchange.getRequestURI().getPath()));
            var answer = behaviour.apply(calls.incrementAndGet());
            if (answer.delayMillis() > 0) {
              Thread.sleep(answer.delayMillis());
            }
            answer
                .headers()
                .forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            exchange.sendResponseHeaders(answer.status(), -1);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            inFlight.decrementAndGet();
          }
        });
    server.start();
    port = server.getAddress().getPort();
  }

  void behave(Function<Integer, Answer> newBehaviour) {
    behaviour = newBehaviour;
  }

  /** Stops listening: deliveries now meet a refused connection. */
  void down() {
    server.stop(0);
  }

  /** Listens again on the same port. */
  void up() {
    listen(port);
  }

  String url() {
    return "http://127.0.0.1:" + port + "/hooks";
  }

  long received(String eventId) {
    return requests.stream().filter(r -> eventId.equals(r.id())).count();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
