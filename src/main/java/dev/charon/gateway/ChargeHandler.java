package dev.charon.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.charon.payment.fake.FaultProfile;
import io.javalin.http.Context;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /charges}: the idempotent heart of the gateway, with its faults. Order matters:
 * outage and network errors strike before anything is stored; a timeout strikes after the result is
 * durable, so the ledger holds a charge whose response the client never saw.
 */
final class ChargeHandler {
  private static final Logger log = LoggerFactory.getLogger(ChargeHandler.class);
  static final String KEY_HEADER = "Idempotency-Key";
  private static final int MAX_BODY = 4_096;

  private final ChargeBook book;
  private final Journal journal;
  private final ObjectMapper json;
  private final Clock clock;
  private final Map<String, Integer> networkFailures = new ConcurrentHashMap<>();
  private final AtomicInteger processing = new AtomicInteger();
  private final MoneyCallGate gate;
  private volatile FaultProfile faults;
  private volatile boolean outage;

  MoneyCallGate gate() {
    return gate;
  }

  ChargeHandler(
      ChargeBook book,
      Journal journal,
      ObjectMapper json,
      Clock clock,
      FaultProfile faults,
      MoneyCallGate gate) {
    this.gate = gate;
    this.book = book;
    this.journal = journal;
    this.json = json;
    this.clock = clock;
    this.faults = faults;
  }

  /** What a charge call answers: a status and body, or (a simulated timeout) nothing at all. */
  record Answer(int status, byte[] body, boolean replayed) {
    static final Answer DROP = new Answer(0, new byte[0], false);

    boolean dropped() {
      return this == DROP;
    }
  }

  /**
   * Javalin's route for {@code POST /charges}, used only when {@link ChargePath} passes a request
   * on.
   */
  void handle(Context ctx) throws InterruptedException, IOException {
    var answer = charge(ctx.header(KEY_HEADER), () -> body(ctx));
    if (answer.dropped()) {
      dropResponse(ctx);
      return;
    }
    if (answer.replayed()) {
      ctx.header("Idempotent-Replayed", "true");
    }
    ctx.status(answer.status()).contentType("application/json");
    ctx.res().setContentLength(answer.body().length);
    try {
      ctx.res().getOutputStream().write(answer.body());
    } catch (IOException e) { // the client gave up waiting; its retry with this key replays it
      log.debug("charge response not delivered: {}", e.toString());
    }
  }

  /**
   * A charge call, whatever serves the HTTP: the gate first (nothing read), then the key, the body,
   * the faults and the book. Errors are thrown as {@link GatewayError}.
   */
  Answer charge(String key, java.util.function.Supplier<byte[]> body) throws InterruptedException {
    gate.admit();
    if (outage) {
      throw new GatewayError(503, "outage", "the provider is down");
    }
    if (key == null || key.isBlank() || key.length() > 255) {
      throw GatewayError.badRequest(
          "missing_idempotency_key", "header " + KEY_HEADER + " must hold 1..255 characters");
    }
    var params = ChargeParams.parse(json, body.get());
    var profile = faults;
    int failures = networkFailures.isEmpty() ? 0 : networkFailures.getOrDefault(key, 0);
    if (profile.networkError(key, failures)) {
      networkFailures.merge(key, 1, Integer::sum);
      throw new GatewayError(
          503, "network_error", "simulated network error; nothing was processed");
    }
    return switch (book.claim(key, params)) {
      case ChargeBook.Replay replay -> {
        pause(profile.latency(key, failures));
        yield new Answer(replay.result().status(), replay.result().responseBody(json), true);
      }
      case ChargeBook.InProgress ignored ->
          throw new GatewayError(
              409,
              "request_in_progress",
              "a request with this idempotency key is still being processed");
      case ChargeBook.Reused ignored ->
          throw new GatewayError(
              422, "idempotency_key_reuse", "this idempotency key was used with other parameters");
      case ChargeBook.Owner ignored -> process(profile, key, params, failures);
    };
  }

  private Answer process(FaultProfile profile, String key, ChargeParams params, int failures)
      throws InterruptedException {
    StoredResult stored;
    processing.incrementAndGet();
    try {
      pause(profile.latency(key, failures));
      stored = journal.append(StoredResult.decide(profile, key, params, clock.instant())).join();
    } catch (InterruptedException | RuntimeException e) {
      book.release(key);
      if (e instanceof CompletionException) {
        // The write may still have reached the disk: the client must treat this as unknown.
        throw new GatewayError(
            500, "journal_failed", "the result could not be stored: " + e.getCause().getMessage());
      }
      throw e;
    } finally {
      processing.decrementAndGet();
    }
    if (profile.timeout(key)) {
      return Answer.DROP;
    }
    return new Answer(stored.status(), stored.responseBody(json), false);
  }

  /**
   * The configured latency. None means no sleep at all: a virtual thread's {@code sleep(0)} yields
   * its carrier, one more unmount, reschedule and mount for every request (issue 17's profile).
   */
  static void pause(Duration latency) throws InterruptedException {
    if (latency.isPositive()) {
      Thread.sleep(latency);
    }
  }

  /** Reads the body straight from the servlet stream, sparing Javalin's buffer copies. */
  static byte[] body(Context ctx) {
    byte[] bytes;
    try {
      bytes = ctx.req().getInputStream().readNBytes(MAX_BODY + 1);
    } catch (IOException e) {
      throw GatewayError.badRequest(
          "invalid_body", "the body could not be read: " + e.getMessage());
    }
    if (bytes.length > MAX_BODY) {
      throw new GatewayError(
          413, "body_too_large", "a request body is at most " + MAX_BODY + " bytes");
    }
    return bytes;
  }

  /**
   * Resets the TCP connection without a response, as a crashed proxy would: the client sees the
   * request sent and the connection gone. The socket is closed under Jetty, which then fails
   * quietly to write; closing through Jetty's API would send an error page instead.
   */
  static void dropResponse(Context ctx) throws IOException {
    dropConnection(
        ServletContextRequest.getServletContextRequest(ctx.req())
            .getConnectionMetaData()
            .getConnection()
            .getEndPoint());
  }

  static void dropConnection(org.eclipse.jetty.io.EndPoint endPoint) throws IOException {
    if (endPoint.getTransport() instanceof SocketChannel socket) {
      socket.setOption(StandardSocketOptions.SO_LINGER, 0); // RST, not an orderly FIN
      socket.close();
    } else {
      endPoint.close(new IOException("simulated timeout: response dropped"));
    }
  }

  /** First requests of a key between claim and stored result: tests wait on this. */
  int processing() {
    return processing.get();
  }

  FaultProfile faults() {
    return faults;
  }

  void configure(FaultProfile profile) {
    faults = profile;
  }

  boolean outage() {
    return outage;
  }

  void outage(boolean enabled) {
    outage = enabled;
  }
}
