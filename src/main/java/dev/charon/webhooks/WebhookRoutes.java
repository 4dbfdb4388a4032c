package dev.charon.webhooks;

import dev.charon.api.ApiError;
import dev.charon.api.Caller;
import dev.charon.api.Cursor;
import dev.charon.api.HttpApi;
import dev.charon.api.JsonBody;
import dev.charon.api.Problem;
import dev.charon.api.Query;
import dev.charon.api.Responses;
import dev.charon.api.Writes;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /rest/v1/webhook-endpoints}: register receivers of Standard Webhooks, change, disable,
 * enable and delete them, rotate their secret (shown once, never stored in the clear), and see and
 * retry their deliveries.
 */
public final class WebhookRoutes implements HttpApi.Module {
  static final String BASE = "/rest/v1/webhook-endpoints";
  static final Duration DEFAULT_OVERLAP = Duration.ofHours(24);
  static final Duration MAX_OVERLAP = Duration.ofDays(7);
  private static final Logger log = LoggerFactory.getLogger(WebhookRoutes.class);

  private final Jdbi jdbi;
  private final Optional<SecretBox> box;
  private final List<Duration> retryDelays;
  private final UrlGuard guard;
  private final Writes writes;
  private final Clock clock;

  public WebhookRoutes(
      Jdbi jdbi, WebhookSettings settings, UrlGuard guard, Writes writes, Clock clock) {
    this.jdbi = jdbi;
    this.box = settings.box();
    this.retryDelays = settings.retryDelays();
    this.guard = guard;
    this.writes = writes;
    this.clock = clock;
  }

  @Override
  public void routes(RoutesConfig routes) {
    routes.post(BASE, this::create);
    routes.get(BASE, this::list);
    routes.get(BASE + "/{id}", this::get);
    routes.patch(BASE + "/{id}", this::update);
    routes.delete(BASE + "/{id}", this::delete);
    routes.post(BASE + "/{id}/disable", ctx -> setEnabled(ctx, false));
    routes.post(BASE + "/{id}/enable", ctx -> setEnabled(ctx, true));
    routes.post(BASE + "/{id}/rotate-secret", this::rotate);
    routes.get(BASE + "/{id}/deliveries", this::deliveries);
    routes.get(BASE + "/{id}/deliveries/{deliveryId}", this::delivery);
    routes.post(BASE + "/{id}/deliveries/{deliveryId}/retry", this::retry);
    routes.get("/rest/v1/webhook-failures", this::failures);
  }

  private SecretBox box() {
    return box.orElseThrow(
        () ->
            ApiError.conflict(
                "Webhooks are off on this server: set "
                    + WebhookSettings.KEY
                    + " (base64 of 32 random bytes) to create endpoints"));
  }

  private void create(Context ctx) {
    Query.of(ctx, Set.of()).validate();
    var body = JsonBody.of(ctx, Set.of("url", "description", "eventTypes"));
    var url = body.text("url", true, 2000);
    var description = body.text("description", false, 500);
    var types = eventTypes(ctx, body);
    body.validate();
    checkUrl(url.orElseThrow());
    var sealer = box();
    var secret = WebhookSecret.generate();
    writes.handle(
        ctx,
        h -> {
          var created =
              Endpoints.create(
                  h,
                  url.get(),
                  description.orElse(""),
                  types.orElse(List.of()),
                  sealer.seal(secret),
                  Caller.of(ctx).actor(),
                  clock.instant());
          log.info(
              "webhook endpoint {} registered for {} by {} (types {})",
              created.id(),
              created.url(),
              created.createdBy(),
              created.eventTypes().isEmpty() ? "all" : created.eventTypes());
          return Writes.Reply.created(
              Endpoint.WithSecret.of(created, secret), BASE + "/" + created.id());
        },
        WebhookRoutes::withoutSecret);
  }

  /** What an Idempotency-Key replay answers: the secret is shown once and never stored. */
  private static Object withoutSecret(Object body) {
    return body instanceof Endpoint.WithSecret e ? e.withoutSecret() : body;
  }

  private void list(Context ctx) {
    Query.of(ctx, Set.of()).validate();
    ctx.json(jdbi.withHandle(Endpoints::list));
  }

  private Endpoint found(long id) {
    return jdbi.withHandle(h -> Endpoints.find(h, id)).orElseThrow(() -> notFound(id));
  }

  private static ApiError notFound(long id) {
    return ApiError.notFound("No webhook endpoint with id " + id);
  }

  private void get(Context ctx) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    ctx.json(found(id));
  }

  private void update(Context ctx) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    var body = JsonBody.of(ctx, Set.of("url", "description", "eventTypes"));
    var url = body.text("url", false, 2000);
    var description = body.text("description", false, 500);
    var types = eventTypes(ctx, body);
    body.validate();
    url.ifPresent(this::checkUrl);
    writes.handle(
        ctx,
        h -> {
          var updated =
              Endpoints.update(
                      h,
                      id,
                      url.orElse(null),
                      description.orElse(null),
                      types.orElse(null),
                      clock.instant())
                  .orElseThrow(() -> notFound(id));
          log.info("webhook endpoint {} changed by {}", id, Caller.of(ctx).actor());
          return Writes.Reply.ok(updated);
        });
  }

  private void delete(Context ctx) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    var deleted =
        jdbi.inTransaction(
            h -> {
              var endpoint = Endpoints.find(h, id).orElseThrow(() -> notFound(id));
              Endpoints.delete(h, id);
              return endpoint;
            });
    log.info(
        "webhook endpoint {} ({}) deleted by {} with its deliveries",
        id,
        deleted.url(),
        Caller.of(ctx).actor());
    ctx.json(deleted);
  }

  private void setEnabled(Context ctx, boolean enabled) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    var body = JsonBody.of(ctx, enabled ? Set.of() : Set.of("reason"));
    Optional<String> reason = enabled ? Optional.empty() : body.text("reason", false, 500);
    body.validate();
    var why = reason.orElse("disabled by " + Caller.of(ctx).actor());
    writes.handle(
        ctx,
        h -> {
          var changed =
              Endpoints.setEnabled(h, id, enabled, why, clock.instant())
                  .orElseThrow(() -> notFound(id));
          log.info(
              "webhook endpoint {} {} by {}",
              id,
              enabled ? "enabled" : "disabled (" + why + ")",
              Caller.of(ctx).actor());
          return Writes.Reply.ok(changed);
        });
  }

  private void rotate(Context ctx) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    JsonBody.of(ctx, Set.of("overlapSeconds")).validate();
    var overlap = overlapOf(ctx.body()).orElse(DEFAULT_OVERLAP);
    var sealer = box();
    var secret = WebhookSecret.generate();
    writes.handle(
        ctx,
        h -> {
          var rotated =
              Endpoints.rotate(h, id, sealer.seal(secret), overlap, clock.instant())
                  .orElseThrow(() -> notFound(id));
          log.info(
              "webhook endpoint {} secret rotated by {}; the old secret signs too until {}",
              id,
              Caller.of(ctx).actor(),
              rotated.previousSecretExpiresAt());
          return Writes.Reply.ok(Endpoint.WithSecret.of(rotated, secret));
        },
        WebhookRoutes::withoutSecret);
  }

  /** {@code overlapSeconds}: 0 (the old secret stops at once) up to 7 days. */
  private static Optional<Duration> overlapOf(String text) {
    try {
      var node = dev.charon.api.Json.mapper().readTree(text).get("overlapSeconds");
      if (node == null || node.isNull()) {
        return Optional.empty();
      }
      if (!node.isIntegralNumber()
          || node.asLong() < 0
          || node.asLong() > MAX_OVERLAP.toSeconds()) {
        throw ApiError.invalid(
            List.of(
                new Problem.FieldError(
                    "overlapSeconds",
                    "must be a whole number of seconds from 0 to " + MAX_OVERLAP.toSeconds())));
      }
      return Optional.of(Duration.ofSeconds(node.asLong()));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw ApiError.badRequest("The body is not acceptable JSON");
    }
  }

  private void deliveries(Context ctx) {
    long id = Query.pathId(ctx, "id");
    var query = Query.of(ctx, Set.of("state", "limit", "cursor"));
    int limit = query.limit(50, 500);
    long after = query.after();
    var state = query.matching("state", "PENDING|DELIVERED|FAILED", "PENDING, DELIVERED or FAILED");
    query.validate();
    found(id);
    long before = after == 0 ? Long.MAX_VALUE : after;
    var page = jdbi.withHandle(h -> Deliveries.list(h, id, state, before, limit + 1));
    if (page.size() > limit) {
      page = page.subList(0, limit);
      var cursor = Cursor.encode(page.getLast().id());
      ctx.header(Responses.NEXT_CURSOR_HEADER, cursor);
      ctx.header(
          "Link",
          "<"
              + ctx.path()
              + "?limit="
              + limit
              + state.map(s -> "&state=" + s).orElse("")
              + "&cursor="
              + cursor
              + ">; rel=\"next\"");
    }
    ctx.json(page);
  }

  private void delivery(Context ctx) {
    long id = Query.pathId(ctx, "id");
    long deliveryId = Query.pathId(ctx, "deliveryId");
    Query.of(ctx, Set.of()).validate();
    var delivery =
        jdbi.withHandle(h -> Deliveries.find(h, id, deliveryId))
            .orElseThrow(
                () ->
                    ApiError.notFound("No delivery " + deliveryId + " for webhook endpoint " + id));
    var attempts = jdbi.withHandle(h -> Deliveries.attempts(h, deliveryId));
    ctx.json(Map.of("delivery", delivery, "attempts", attempts));
  }

  private void retry(Context ctx) {
    long id = Query.pathId(ctx, "id");
    long deliveryId = Query.pathId(ctx, "deliveryId");
    Query.of(ctx, Set.of()).validate();
    JsonBody.of(ctx, Set.of()).validate();
    writes.handle(
        ctx,
        h -> {
          boolean retried =
              Deliveries.retry(h, id, deliveryId, clock.instant(), retryDelays.size() + 1)
                  .orElseThrow(
                      () ->
                          ApiError.notFound(
                              "No delivery " + deliveryId + " for webhook endpoint " + id));
          if (!retried) {
            throw ApiError.conflict(
                "Delivery " + deliveryId + " has an attempt in flight; retry it once that ends");
          }
          log.info(
              "webhook delivery {} of endpoint {} retried by {}",
              deliveryId,
              id,
              Caller.of(ctx).actor());
          return Writes.Reply.ok(Deliveries.find(h, id, deliveryId).orElseThrow());
        });
  }

  private void failures(Context ctx) {
    var query = Query.of(ctx, Set.of("limit"));
    int limit = query.limit(50, 500);
    query.validate();
    ctx.json(jdbi.withHandle(h -> Deliveries.recentFailures(h, limit)));
  }

  private Optional<List<String>> eventTypes(Context ctx, JsonBody body) {
    try {
      var node = dev.charon.api.Json.mapper().readTree(ctx.body()).get("eventTypes");
      if (node == null || node.isNull()) {
        return Optional.empty();
      }
      if (!node.isArray()) {
        return body.fail("eventTypes", "must be an array of event types (empty: every type)");
      }
      var types = new LinkedHashSet<String>();
      for (var item : node) {
        if (!item.isTextual() || !EventTypes.KNOWN.contains(item.asText())) {
          return body.fail(
              "eventTypes",
              "'" + truncate(item.toString()) + "' is not one of " + EventTypes.KNOWN);
        }
        types.add(item.asText());
      }
      return Optional.of(new ArrayList<>(types));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return Optional.empty(); // JsonBody.of has reported the body itself
    }
  }

  private static String truncate(String text) {
    return text.length() <= 100 ? text : text.substring(0, 100) + "...";
  }

  private void checkUrl(String url) {
    guard
        .refusal(url)
        .ifPresent(
            why -> {
              throw ApiError.unprocessable(
                  List.of(new Problem.FieldError("url", truncate(url) + " " + why)));
            });
  }
}
