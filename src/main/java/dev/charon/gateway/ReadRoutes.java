package dev.charon.gateway;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;

/** The truth for tests and {@code charon audit}: results per invoice, the ledger, health. */
final class ReadRoutes {
  private static final int DEFAULT_LIMIT = 1000;
  private static final int MAX_LIMIT = 10_000;

  private final ChargeBook book;
  private final RefundBook refunds;
  private final Journal journal;
  private final IntSupplier processing;

  ReadRoutes(ChargeBook book, RefundBook refunds, Journal journal, IntSupplier processing) {
    this.book = book;
    this.refunds = refunds;
    this.journal = journal;
    this.processing = processing;
  }

  void register(RoutesConfig routes) {
    routes.get("/charges", ctx -> ctx.json(book.results(longParam(ctx, "invoiceId", null, 1))));
    routes.get("/ledger/summary", ctx -> ctx.json(book.summary()));
    routes.get("/ledger/charges", this::charges);
    routes.get("/refunds", ctx -> ctx.json(refunds.results(longParam(ctx, "invoiceId", null, 1))));
    routes.get("/ledger/refunds", this::refunds);
    routes.get("/ledger/disputes", this::disputes);
    routes.get("/health", this::health);
  }

  private void charges(Context ctx) {
    long after = longParam(ctx, "after", 0L, 0);
    int limit = (int) Math.min(longParam(ctx, "limit", (long) DEFAULT_LIMIT, 1), MAX_LIMIT);
    var page = book.charges(after, limit);
    var body = new LinkedHashMap<String, Object>();
    body.put("charges", page);
    // Null when this page ends the ledger as it stands now.
    body.put("nextAfter", page.size() < limit ? null : page.getLast().chargeSeq());
    ctx.json(body);
  }

  /** Successful refunds after a cursor: the backstop's and the audit's page. */
  private void refunds(Context ctx) {
    long after = longParam(ctx, "after", 0L, 0);
    int limit = (int) Math.min(longParam(ctx, "limit", (long) DEFAULT_LIMIT, 1), MAX_LIMIT);
    var page = refunds.refunds(after, limit);
    var body = new LinkedHashMap<String, Object>();
    body.put("refunds", page);
    body.put("nextAfter", page.size() < limit ? null : page.getLast().refundSeq());
    ctx.json(body);
  }

  /** Dispute changes (opened, won, lost) after a cursor. */
  private void disputes(Context ctx) {
    long after = longParam(ctx, "after", 0L, 0);
    int limit = (int) Math.min(longParam(ctx, "limit", (long) DEFAULT_LIMIT, 1), MAX_LIMIT);
    var page = refunds.disputeChanges(after, limit);
    var body = new LinkedHashMap<String, Object>();
    body.put("disputes", page);
    body.put("nextAfter", page.size() < limit ? null : page.getLast().disputeSeq());
    ctx.json(body);
  }

  private void health(Context ctx) {
    boolean ok = journal.healthy();
    ctx.status(ok ? 200 : 503)
        .json(
            Map.of(
                "status",
                ok ? "ok" : "journal_failed",
                "lastChargeSeq",
                book.lastChargeSeq(),
                "processing",
                processing.getAsInt()));
  }

  private static long longParam(Context ctx, String name, Long defaultValue, long min) {
    var raw = ctx.queryParam(name);
    if (raw == null || raw.isBlank()) {
      if (defaultValue == null) {
        throw GatewayError.badRequest("invalid_query", "query parameter " + name + " is required");
      }
      return defaultValue;
    }
    try {
      long value = Long.parseLong(raw.trim());
      if (value >= min) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw GatewayError.badRequest(
        "invalid_query", "query parameter " + name + " must be an integer >= " + min);
  }
}
