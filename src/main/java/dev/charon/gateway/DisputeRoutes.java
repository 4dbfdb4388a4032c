package dev.charon.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Clock;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admin calls that play the card network: open a dispute on a charge, close it won or lost. Each
 * change is durable before it is answered, and listed by {@code GET /ledger/disputes}.
 */
final class DisputeRoutes {
  private static final Logger log = LoggerFactory.getLogger(DisputeRoutes.class);

  record Open(String chargeId) {}

  record Close(String outcome) {}

  private final RefundBook book;
  private final ChargeHandler charges;
  private final Journal journal;
  private final SignedEvents events;
  private final ObjectMapper json;
  private final Clock clock;

  DisputeRoutes(
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

  void register(RoutesConfig routes) {
    routes.post("/admin/disputes", this::open);
    routes.post("/admin/disputes/{id}/close", this::close);
  }

  private void open(Context ctx) {
    var open = read(ctx, Open.class);
    if (open.chargeId() == null || open.chargeId().isBlank()) {
      throw GatewayError.badRequest("invalid_body", "expected {\"chargeId\": \"ch_...\"}");
    }
    // One dispute per charge, so its id can be as stable as the charge's.
    var disputeId =
        "dp_" + charges.faults().chargeId("dispute:" + open.chargeId()).substring("ch_".length());
    var change = durable(book.openDispute(open.chargeId(), disputeId, clock.instant()));
    log.info(
        "dispute {} opened on charge {} (invoice {}) for {} {}",
        change.disputeId(),
        change.chargeId(),
        change.invoiceId(),
        change.amountMinor(),
        change.currency());
    ctx.status(201).json(change);
  }

  private void close(Context ctx) {
    var close = read(ctx, Close.class);
    var outcome =
        switch (close.outcome() == null ? "" : close.outcome()) {
          case "won" -> DisputeChange.Status.WON;
          case "lost" -> DisputeChange.Status.LOST;
          default ->
              throw GatewayError.badRequest(
                  "invalid_body", "expected {\"outcome\": \"won\"|\"lost\"}");
        };
    var change = durable(book.closeDispute(ctx.pathParam("id"), outcome, clock.instant()));
    log.info(
        "dispute {} on charge {} closed {}", change.disputeId(), change.chargeId(), outcome.wire());
    ctx.json(change);
  }

  private DisputeChange durable(DisputeChange change) {
    try {
      var stored = journal.append(change).join();
      events.dispute(stored);
      return stored;
    } catch (CompletionException e) {
      throw new GatewayError(
          500, "journal_failed", "the dispute could not be stored: " + e.getCause().getMessage());
    }
  }

  private <T> T read(Context ctx, Class<T> type) {
    try {
      var value = json.readValue(ctx.bodyAsBytes(), type);
      if (value == null) {
        throw GatewayError.badRequest("invalid_body", "the body is empty");
      }
      return value;
    } catch (IOException e) {
      throw GatewayError.badRequest("invalid_body", "cannot read the body: " + e.getMessage());
    }
  }
}
