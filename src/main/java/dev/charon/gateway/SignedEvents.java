package dev.charon.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.net.Webhook;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's events, sent as Stripe sends its webhooks (docs/gateway.md, "Signed events"): a
 * JSON body {@code {"id", "type", "created", "data"}} POSTed to the configured URL with a {@code
 * Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">} header, so Charon's intake
 * verifies it with the same stripe-java verifier as Stripe's. Types: {@code refund.created} (data:
 * the {@code /ledger/refunds} entry), {@code dispute.opened}, {@code dispute.closed} (data: the
 * {@code /ledger/disputes} entry). Each is sent after its journal line is durable, on a virtual
 * thread, retried a few times with backoff and then given up: events get lost, which is what
 * Charon's backstop (paging the ledgers) is for. Event ids are stable per fact, so a resend is a
 * duplicate to the receiver.
 */
public final class SignedEvents implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SignedEvents.class);
  static final int ATTEMPTS = 5;

  /** Where events go and the secret they are signed with ({@code whsec_...}). */
  public record Target(URI url, String secret) {
    public Target {
      Objects.requireNonNull(url, "url");
      Objects.requireNonNull(secret, "secret");
    }

    @Override
    public String toString() { // never print the secret
      return "events to " + url;
    }
  }

  private final java.util.Optional<Target> target;
  private final ObjectMapper json;
  private final Clock clock;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();

  /** {@code clock}: the real clock; the receiver checks the signature's time against its own. */
  SignedEvents(java.util.Optional<Target> target, ObjectMapper json, Clock clock) {
    this.target = target;
    this.json = json;
    this.clock = clock;
  }

  void refunded(RefundResult refund) {
    send("evt_" + refund.refundId(), "refund.created", refund);
  }

  void dispute(DisputeChange change) {
    var type = change.status() == DisputeChange.Status.OPEN ? "dispute.opened" : "dispute.closed";
    send("evt_" + change.disputeId() + "_" + change.status().wire(), type, change);
  }

  private void send(String id, String type, Object data) {
    if (target.isEmpty()) {
      return; // no --events-url: the ledgers are the only way out
    }
    var event = new LinkedHashMap<String, Object>();
    event.put("id", id);
    event.put("object", "event");
    event.put("type", type);
    event.put("created", clock.instant().getEpochSecond());
    event.put("data", data);
    String body;
    try {
      body = json.writeValueAsString(event);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      log.error("event {} could not be written; the backstop brings it in", id, e);
      return;
    }
    try {
      senders.execute(() -> deliver(id, type, body));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      log.warn("event {} ({}) not sent: the gateway is stopping", id, type);
    }
  }

  private void deliver(String id, String type, String body) {
    var target = this.target.orElseThrow();
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        long t = clock.instant().getEpochSecond();
        var request =
            HttpRequest.newBuilder(target.url())
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .header(
                    "Stripe-Signature",
                    "t="
                        + t
                        + ",v1="
                        + Webhook.Util.computeHmacSha256(target.secret(), t + "." + body))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status / 100 == 2) {
          log.info("event {} ({}) delivered to {}: {}", id, type, target.url(), status);
          return;
        }
        log.warn(
            "event {} ({}) answered {} by {} (attempt {})",
            id,
            type,
            status,
            target.url(),
            attempt);
      } catch (java.io.IOException | GeneralSecurityException e) {
        log.warn(
            "event {} ({}) not delivered to {} (attempt {}): {}",
            id,
            type,
            target.url(),
            attempt,
            e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      try {
        Thread.sleep(Duration.ofMillis(500L << attempt)); // backoff between real network attempts
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    log.warn(
        "event {} ({}) given up after {} attempts; Charon's backstop brings it in",
        id,
        type,
        ATTEMPTS);
  }

  @Override
  public void close() {
    senders.shutdown();
  }
}
