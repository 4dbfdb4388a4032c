package dev.charon.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.exception.SignatureVerificationException;
import com.stripe.net.Webhook;
import dev.charon.api.ApiError;
import dev.charon.api.HttpApi;
import dev.charon.api.Page;
import dev.charon.api.Query;
import dev.charon.api.Responses;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider's events coming in. {@code POST /rest/v1/provider-events/stripe} takes Stripe's
 * webhooks, {@code POST /rest/v1/provider-events/gateway} the gateway's signed events: both carry a
 * {@code Stripe-Signature} header and are verified by stripe-java's own verifier with its default
 * tolerance (5 minutes), so a request with a bad signature or a stale timestamp is refused (400
 * problem+json) and nothing is stored. These two paths take no API key: the signature is their
 * authentication (auth/AuthSettings.SIGNED_PATHS). A genuine event is stored once by its id (a
 * redelivery is answered 200 and changes nothing) and answered at once; it is applied after the
 * answer ({@link ProviderEventApplier}). {@code GET /rest/v1/provider-events} lists what came in,
 * with what applying did (UNMATCHED: events about something Charon cannot place).
 */
public final class ProviderEventRoutes implements HttpApi.Module {
  private static final Logger log = LoggerFactory.getLogger(ProviderEventRoutes.class);
  static final int MAX_LIMIT = 1000;
  public static final String STRIPE_PATH = "/rest/v1/provider-events/stripe";
  public static final String GATEWAY_PATH = "/rest/v1/provider-events/gateway";

  /** The statuses of a stored event (V73's provider_event.status). */
  public enum Status {
    RECEIVED,
    APPLIED,
    IGNORED,
    UNMATCHED,
    FAILED
  }

  private final ProviderEvents events;
  private final ProviderEventApplier applier;
  private final ProviderEventSettings settings;
  private final MeterRegistry metrics;
  private final ObjectMapper json = new ObjectMapper();

  public ProviderEventRoutes(
      ProviderEvents events,
      ProviderEventApplier applier,
      ProviderEventSettings settings,
      MeterRegistry metrics) {
    this.events = events;
    this.applier = applier;
    this.settings = settings;
    this.metrics = metrics;
  }

  @Override
  public void routes(RoutesConfig routes) {
    routes.post(STRIPE_PATH, this::stripe);
    routes.post(GATEWAY_PATH, this::gateway);
    routes.get("/rest/v1/provider-events", this::list);
  }

  private void stripe(Context ctx) {
    var secret = secret(settings.stripeSecret(), "stripe", "CHARON_STRIPE_WEBHOOK_SECRET");
    var payload = ctx.body();
    com.stripe.model.Event event;
    try {
      event = Webhook.constructEvent(payload, signature(ctx, "stripe"), secret);
    } catch (SignatureVerificationException e) {
      throw refuse("stripe", e.getMessage());
    } catch (RuntimeException e) { // not an event (JSON syntax)
      throw refuse("stripe", "the body is not a Stripe event");
    }
    if (event.getId() == null || event.getType() == null) {
      throw refuse("stripe", "the event has no id or type");
    }
    var created = event.getCreated() == null ? null : Instant.ofEpochSecond(event.getCreated());
    take(ctx, "stripe", event.getId(), event.getType(), payload, created);
  }

  private void gateway(Context ctx) {
    var secret = secret(settings.gatewaySecret(), "gateway", "CHARON_GATEWAY_EVENTS_SECRET");
    var payload = ctx.body();
    JsonNode event;
    try {
      Webhook.Signature.verifyHeader(
          payload, signature(ctx, "gateway"), secret, Webhook.DEFAULT_TOLERANCE);
      event = json.readTree(payload);
    } catch (SignatureVerificationException e) {
      throw refuse("gateway", e.getMessage());
    } catch (java.io.IOException e) {
      throw refuse("gateway", "the body is not JSON");
    }
    if (!event.path("id").isTextual() || !event.path("type").isTextual()) {
      throw refuse("gateway", "the event has no id or type");
    }
    var created =
        event.path("created").canConvertToLong()
            ? Instant.ofEpochSecond(event.path("created").asLong())
            : null;
    take(ctx, "gateway", event.path("id").asText(), event.path("type").asText(), payload, created);
  }

  private void take(
      Context ctx, String provider, String id, String type, String payload, Instant created) {
    boolean stored = events.store(provider, id, type, payload, created);
    count(provider, stored ? "stored" : "duplicate");
    if (stored) {
      log.info("{} event {} ({}) stored; applying it", provider, id, type);
      applier.applySoon();
    } else {
      log.info("{} event {} ({}) delivered again: already stored, ignored", provider, id, type);
    }
    ctx.json(Map.of("id", id, "type", type, "duplicate", !stored));
  }

  private String secret(Optional<String> secret, String provider, String variable) {
    return secret.orElseThrow(
        () -> {
          count(provider, "unconfigured");
          return ApiError.serviceUnavailable(
              variable + " is not set: " + provider + " events are not accepted");
        });
  }

  private String signature(Context ctx, String provider) {
    var header = ctx.header("Stripe-Signature");
    if (header == null || header.isBlank()) {
      throw refuse(provider, "the Stripe-Signature header is missing");
    }
    return header;
  }

  private ApiError refuse(String provider, String why) {
    count(provider, "refused");
    log.warn("{} event refused, nothing stored: {}", provider, why);
    return ApiError.badRequest("The event's signature does not verify: " + why);
  }

  private void list(Context ctx) {
    var query = Query.of(ctx, Set.of("limit", "cursor", "status", "provider", "type"));
    int limit = query.limit(100, MAX_LIMIT);
    long after = query.after();
    var filter =
        new ProviderEvents.Filter(
            query.enumValue("status", Status.class).map(Enum::name),
            query.matching("provider", "stripe|gateway", "stripe or gateway"),
            query.matching("type", "[a-z_.]{1,100}", "an event type such as charge.refunded"));
    query.validate();
    Responses.page(
        ctx, Page.of(events.list(filter, after, limit + 1), limit, ProviderEvents.Stored::id));
  }

  private void count(String provider, String result) {
    Counter.builder("charon.provider.events.received")
        .description(
            "Provider events received, by provider and result (stored, duplicate, refused)")
        .tag("provider", provider)
        .tag("result", result)
        .register(metrics)
        .increment();
  }
}
