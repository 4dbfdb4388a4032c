package dev.charon.refund;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.charon.db.SqlFiles;
import dev.charon.invoice.domain.InvoiceTransition;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings in what happened at the {@code gateway} provider without Charon: it pages the gateway's
 * refund and dispute ledgers ({@code GET /ledger/refunds}, {@code /ledger/disputes}) from its last
 * cursor and applies each entry once. A refund whose key is one of Charon's own is the executor's
 * to record and is skipped; any other becomes a refund of source provider with a credit note (actor
 * {@code provider}); disputes move the invoice (DISPUTED, back to PAID when won, a history entry
 * when lost) and tell {@code dispute.closed}. Every apply is idempotent (provider reference,
 * dispute id, an OPEN dispute only closes once), so a crash between an apply and its cursor only
 * applies nothing twice. An entry for an invoice Charon does not know is logged and counted, and
 * passed: it is never retried forever.
 */
public final class GatewayBackstop {
  private static final Logger log = LoggerFactory.getLogger(GatewayBackstop.class);
  static final String PROVIDER = InvoiceTransition.Actor.PROVIDER.fixedName();
  private static final int PAGE = 200;

  private final Jdbi jdbi;
  private final RefundStore store;
  private final URI gateway;
  private final Clock clock;
  private final MeterRegistry metrics;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();

  public GatewayBackstop(Jdbi jdbi, URI gateway, Clock clock, MeterRegistry metrics) {
    this.jdbi = jdbi;
    this.store = new RefundStore(jdbi, new dev.charon.credit.CreditNotes(jdbi, metrics));
    this.gateway = gateway;
    this.clock = clock;
    this.metrics = metrics;
  }

  /** What one pass applied. */
  public record Pass(int refunds, int disputes, int skipped) {}

  /** Pages both ledgers to their end and applies what is new. */
  public Pass runOnce() {
    int refunds = 0;
    int disputes = 0;
    int skipped = 0;
    for (var entry : page("refunds", "gateway.refunds", "refundSeq")) {
      if (applyRefund(entry)) {
        refunds++;
      } else {
        skipped++;
      }
      advance("gateway.refunds", entry.path("refundSeq").asLong());
    }
    for (var entry : page("disputes", "gateway.disputes", "disputeSeq")) {
      if (applyDispute(entry)) {
        disputes++;
      } else {
        skipped++;
      }
      advance("gateway.disputes", entry.path("disputeSeq").asLong());
    }
    if (refunds + disputes > 0) {
      log.info(
          "provider backstop applied {} refund(s) and {} dispute change(s) made at the gateway",
          refunds,
          disputes);
    }
    return new Pass(refunds, disputes, skipped);
  }

  private java.util.List<JsonNode> page(String list, String cursor, String seq) {
    long after = cursor(cursor);
    var entries = new java.util.ArrayList<JsonNode>();
    while (true) {
      var body = get("/ledger/" + list + "?after=" + after + "&limit=" + PAGE);
      for (var entry : body.path(list)) {
        entries.add(entry);
        after = entry.path(seq).asLong();
      }
      if (body.path("nextAfter").isNull() || body.path(list).isEmpty()) {
        return entries;
      }
    }
  }

  private boolean applyRefund(JsonNode r) {
    var key = r.path("key").asText();
    boolean ours =
        jdbi.withHandle(
            h ->
                h.createQuery("select exists (select 1 from refund where idempotency_key = :key)")
                    .bind("key", key)
                    .mapTo(Boolean.class)
                    .one());
    if (ours) {
      return false;
    }
    long invoice = r.path("invoiceId").asLong();
    var amount =
        Money.ofMinor(
            r.path("amountMinor").asLong(), Currency.valueOf(r.path("currency").asText()));
    var reference = r.path("refundId").asText();
    try {
      var settled =
          store.recordExternal(
              invoice,
              amount,
              reference,
              "refunded at the provider: " + r.path("reason").asText("no reason given"),
              PROVIDER,
              clock.instant());
      settled.ifPresent(
          s -> {
            count("refund");
            log.info(
                "refund {} of invoice {} made at the provider: {}, invoice {}, credit note {}",
                reference,
                invoice,
                amount,
                s.invoiceStatus(),
                s.note().number());
          });
      return settled.isPresent();
    } catch (RuntimeException e) {
      count("unapplied");
      log.warn(
          "provider refund {} of invoice {} ({}) could not be applied and is passed: {}",
          reference,
          invoice,
          amount,
          e.getMessage());
      return false;
    }
  }

  private boolean applyDispute(JsonNode d) {
    var status = d.path("status").asText();
    var dispute = d.path("disputeId").asText();
    long invoice = d.path("invoiceId").asLong();
    var now = Timestamp.from(clock.instant());
    int changed =
        jdbi.inTransaction(
            h ->
                switch (status) {
                  case "open" ->
                      h.createUpdate(SqlFiles.get("refund/dispute-open"))
                          .bind("dispute", dispute)
                          .bind("amount", d.path("amountMinor").asLong())
                          .bind("currency", d.path("currency").asText())
                          .bind("now", now)
                          .bind("invoice", invoice)
                          .bind("reason", "dispute " + dispute + " opened at the provider")
                          .execute();
                  case "won", "lost" ->
                      h.createQuery(SqlFiles.get("refund/dispute-close"))
                          .bind("status", status.toUpperCase(java.util.Locale.ROOT))
                          .bind("now", now)
                          .bind("dispute", dispute)
                          .bind(
                              "reason",
                              "dispute "
                                  + dispute
                                  + " "
                                  + status
                                  + " at the provider"
                                  + (status.equals("lost") ? ": the amount is off the books" : ""))
                          .mapTo(Integer.class)
                          .one();
                  default -> {
                    log.warn("dispute {} has a status Charon does not know: {}", dispute, status);
                    yield 0;
                  }
                });
    if (changed > 0) {
      count("dispute_" + status);
      log.info("dispute {} of invoice {} {} at the provider", dispute, invoice, status);
    } else {
      count("unapplied");
    }
    return changed > 0;
  }

  private long cursor(String name) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select after from provider_cursor where name = :n")
                .bind("n", name)
                .mapTo(Long.class)
                .findOne()
                .orElse(0L));
  }

  private void advance(String name, long after) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    """
                    insert into provider_cursor (name, after) values (:n, :a)
                    on conflict (name) do update set after = greatest(provider_cursor.after, excluded.after),
                                                     updated_at = charon_now()
                    """)
                .bind("n", name)
                .bind("a", after)
                .execute());
  }

  private JsonNode get(String path) {
    var request =
        HttpRequest.newBuilder(gateway.resolve(path)).timeout(Duration.ofSeconds(10)).GET().build();
    try {
      var answer = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() != 200) {
        throw new IllegalStateException("gateway answered " + answer.statusCode() + " to " + path);
      }
      return json.readTree(answer.body());
    } catch (IOException e) {
      throw new IllegalStateException("gateway unreachable for " + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted reading " + path, e);
    }
  }

  private void count(String applied) {
    Counter.builder("charon.provider.backstop")
        .description("Provider ledger entries the backstop applied (or could not)")
        .tag("applied", applied)
        .register(metrics)
        .increment();
  }
}
