package dev.charon.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.StripeClient;
import com.stripe.exception.InvalidRequestException;
import com.stripe.exception.StripeException;
import com.stripe.model.StripeObject;
import com.stripe.param.DisputeListParams;
import com.stripe.param.RefundListParams;
import dev.charon.payment.stripe.StripeSettings;
import dev.charon.refund.ProviderCursors;
import dev.charon.refund.ProviderFacts;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings in what Stripe did that its events did not (webhooks get lost): in every maintenance run
 * it pages Stripe's refunds and disputes ({@code GET /v1/refunds}, {@code /v1/disputes}, newest
 * first, {@code created[gte]}) back to its cursor, a {@code created} time kept in {@code
 * provider_cursor} ({@code stripe.refunds}, {@code stripe.disputes}), and applies each through the
 * same mapping as the events ({@link StripeEventFacts}) and so the same {@link ProviderFacts} as
 * the gateway's backstop. It reads {@link #OVERLAP} seconds before its cursor, since objects
 * created in the same second may be listed late; applying is idempotent, so re-reading costs only
 * reads. stripe-stateful-mock ignores {@code created} (the backstop filters itself) and has no
 * dispute list (logged once, disputes then come only from events).
 */
public final class StripeBackstop {
  private static final Logger log = LoggerFactory.getLogger(StripeBackstop.class);
  static final long OVERLAP = 300;
  private static final long PAGE = 100;

  private final Jdbi jdbi;
  private final StripeClient client;
  private final StripeEventFacts mapping;
  private final MeterRegistry metrics;
  private final ObjectMapper json = new ObjectMapper();
  private boolean disputeListMissing;

  public StripeBackstop(Jdbi jdbi, StripeSettings settings, Clock clock, MeterRegistry metrics) {
    this.jdbi = jdbi;
    this.client =
        StripeClient.builder()
            .setApiKey(settings.apiKey())
            .setApiBase(settings.baseUrl().toString().replaceAll("/+$", ""))
            .setConnectTimeout(Math.toIntExact(settings.connectTimeout().toMillis()))
            .setReadTimeout(Math.toIntExact(settings.readTimeout().toMillis()))
            .setMaxNetworkRetries(2) // reads only
            .build();
    this.mapping =
        new StripeEventFacts(
            new ProviderFacts(jdbi, clock, metrics),
            PaymentIntentSettlement.NONE,
            "the Stripe backstop");
    this.metrics = metrics;
  }

  /** What one pass applied (changed Charon) and read. */
  public record Pass(int refunds, int disputes, int read) {}

  public Pass runOnce() {
    int refunds = 0;
    int disputes = 0;
    int read = 0;
    long since = ProviderCursors.read(jdbi, "stripe.refunds");
    var found = refunds(Math.max(0, since - OVERLAP));
    for (var r : found) {
      var outcome = mapping.refund(r);
      count("refund", outcome);
      if (outcome.status() == EventOutcome.Status.APPLIED
          && !outcome.detail().startsWith("already")) {
        refunds++;
      }
    }
    read += found.size();
    found.stream()
        .mapToLong(r -> r.path("created").asLong())
        .max()
        .ifPresent(max -> ProviderCursors.advance(jdbi, "stripe.refunds", max));
    if (!disputeListMissing) {
      since = ProviderCursors.read(jdbi, "stripe.disputes");
      var listed = disputes(Math.max(0, since - OVERLAP));
      for (var d : listed) {
        var outcome = mapping.dispute(d, status(d.path("status").asText()));
        count("dispute", outcome);
        if (outcome.status() == EventOutcome.Status.APPLIED
            && !outcome.detail().startsWith("already")) {
          disputes++;
        }
      }
      read += listed.size();
      listed.stream()
          .mapToLong(d -> d.path("created").asLong())
          .max()
          .ifPresent(max -> ProviderCursors.advance(jdbi, "stripe.disputes", max));
    }
    if (refunds + disputes > 0) {
      log.info(
          "Stripe backstop applied {} refund(s) and {} dispute change(s) its events had not brought",
          refunds,
          disputes);
    }
    return new Pass(refunds, disputes, read);
  }

  private static String status(String stripeStatus) {
    return switch (stripeStatus) {
      case "won", "lost", "warning_closed" -> StripeEventFacts.closedAs(stripeStatus);
      default -> "open"; // needs_response, under_review, warning_needs_response, ...
    };
  }

  /** Refunds created at or after {@code since}, oldest first. */
  private List<JsonNode> refunds(long since) {
    var all = new ArrayList<JsonNode>();
    String after = null;
    while (true) {
      var params =
          RefundListParams.builder()
              .setLimit(PAGE)
              .setCreated(RefundListParams.Created.builder().setGte(since).build());
      if (after != null) {
        params.setStartingAfter(after);
      }
      com.stripe.model.StripeCollection<com.stripe.model.Refund> page;
      try {
        page = client.v1().refunds().list(params.build());
      } catch (StripeException e) {
        throw new IllegalStateException("Stripe refused to list refunds: " + e.getMessage(), e);
      }
      if (!collect(page.getData(), since, all) || !Boolean.TRUE.equals(page.getHasMore())) {
        return oldestFirst(all);
      }
      after = page.getData().getLast().getId();
    }
  }

  private List<JsonNode> disputes(long since) {
    var all = new ArrayList<JsonNode>();
    String after = null;
    while (true) {
      var params =
          DisputeListParams.builder()
              .setLimit(PAGE)
              .setCreated(DisputeListParams.Created.builder().setGte(since).build());
      if (after != null) {
        params.setStartingAfter(after);
      }
      com.stripe.model.StripeCollection<com.stripe.model.Dispute> page;
      try {
        page = client.v1().disputes().list(params.build());
      } catch (InvalidRequestException e) {
        if (Integer.valueOf(404).equals(e.getStatusCode()) && e.getCode() == null) {
          disputeListMissing = true;
          log.warn(
              "this Stripe API has no dispute list ({}): the backstop reads refunds only",
              e.getMessage());
          return List.of();
        }
        throw new IllegalStateException("Stripe refused to list disputes: " + e.getMessage(), e);
      } catch (StripeException e) {
        throw new IllegalStateException("Stripe refused to list disputes: " + e.getMessage(), e);
      }
      if (!collect(page.getData(), since, all) || !Boolean.TRUE.equals(page.getHasMore())) {
        return oldestFirst(all);
      }
      after = page.getData().getLast().getId();
    }
  }

  /** Adds the page's objects created at or after {@code since}; false once one is older. */
  private boolean collect(List<? extends StripeObject> page, long since, List<JsonNode> into) {
    if (page.isEmpty()) {
      return false;
    }
    for (var o : page) {
      JsonNode node;
      try {
        node = json.readTree(o.toJson());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (node.path("created").asLong() < since) {
        return false; // newest first: everything after this is older too
      }
      into.add(node);
    }
    return true;
  }

  private static List<JsonNode> oldestFirst(List<JsonNode> nodes) {
    return nodes.stream()
        .sorted(Comparator.comparingLong((JsonNode n) -> n.path("created").asLong()))
        .toList();
  }

  private void count(String fact, EventOutcome outcome) {
    Counter.builder("charon.stripe.backstop")
        .description("Stripe refunds and disputes the backstop read, by what applying did")
        .tag("applied", fact + "_" + outcome.status().tag())
        .register(metrics)
        .increment();
  }
}
