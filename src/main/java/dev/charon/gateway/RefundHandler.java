package dev.charon.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /refunds}: idempotent full and partial refunds of successful charges, with the same
 * faults as charges and in the same order: outage and network errors strike before anything is
 * judged; a lost answer strikes after the result is durable. The rules (charge unknown, currency,
 * disputed, over-refund) are judged by {@link RefundBook} when the key is claimed.
 */
final class RefundHandler {
  private static final Logger log = LoggerFactory.getLogger(RefundHandler.class);

  private final RefundBook book;
  private final ChargeHandler charges; // owner of the fault knobs and the outage switch
  private final Journal journal;
  private final SignedEvents events;
  private final ObjectMapper json;
  private final Clock clock;
  private final Map<String, Integer> networkFailures = new ConcurrentHashMap<>();

  RefundHandler(
      RefundBook book,
      ChargeHandler charges,
      Journal journal,
      ObjectMapper json,
      Clock clock,
      SignedEvents events) {
    this.events = events;
    this.book = book;
    this.charges = charges;
    this.journal = journal;
    this.json = json;
    this.clock = clock;
  }

  void handle(Context ctx) throws InterruptedException, IOException {
    charges.gate().admit();
    if (charges.outage()) {
      throw new GatewayError(503, "outage", "the provider is down");
    }
    var key = ctx.header(ChargeHandler.KEY_HEADER);
    if (key == null || key.isBlank() || key.length() > 255) {
      throw GatewayError.badRequest(
          "missing_idempotency_key",
          "header " + ChargeHandler.KEY_HEADER + " must hold 1..255 characters");
    }
    var params = RefundParams.parse(json, ChargeHandler.body(ctx));
    var profile = charges.faults();
    int failures = networkFailures.getOrDefault(key, 0);
    if (profile.networkError(key, failures)) {
      networkFailures.merge(key, 1, Integer::sum);
      throw new GatewayError(
          503, "network_error", "simulated network error; nothing was processed");
    }
    // A refund id as stable as a charge id: the same key gets the same id after any restart.
    var refundId = "re_" + profile.chargeId(key).substring("ch_".length());
    switch (book.claim(key, params, refundId, clock.instant())) {
      case RefundBook.Replay replay -> {
        ChargeHandler.pause(profile.latency(key, failures));
        respond(ctx, replay.result(), true);
      }
      case RefundBook.InProgress ignored ->
          throw new GatewayError(
              409,
              "request_in_progress",
              "a request with this idempotency key is still being processed");
      case RefundBook.Reused ignored ->
          throw new GatewayError(
              422, "idempotency_key_reuse", "this idempotency key was used with other parameters");
      case RefundBook.Owner owner -> {
        RefundResult stored;
        try {
          ChargeHandler.pause(profile.latency(key, failures));
          stored = journal.append(owner.decided()).join();
        } catch (InterruptedException | RuntimeException e) {
          book.release(key);
          if (e instanceof CompletionException) {
            throw new GatewayError(
                500,
                "journal_failed",
                "the result could not be stored: " + e.getCause().getMessage());
          }
          throw e;
        }
        log.info(
            "refund {} of {} {} on charge {} (invoice {}, key {}): {}",
            stored.refundId(),
            stored.amountMinor(),
            stored.currency(),
            stored.chargeId(),
            stored.invoiceId(),
            key,
            stored.refunded() ? "refunded" : "refused " + stored.code());
        if (stored.refunded()) {
          events.refunded(stored);
        }
        if (profile.timeout(key)) {
          ChargeHandler.dropResponse(ctx);
          return;
        }
        respond(ctx, stored, false);
      }
    }
  }

  private void respond(Context ctx, RefundResult result, boolean replayed) {
    if (replayed) {
      ctx.header("Idempotent-Replayed", "true");
    }
    ctx.status(result.status()).contentType("application/json").result(result.responseBody(json));
  }
}
