package dev.charon.billing;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.charon.api.ApiError;
import dev.charon.api.HttpApi;
import dev.charon.api.Json;
import dev.charon.api.Page;
import dev.charon.api.Problem;
import dev.charon.api.Query;
import dev.charon.api.Responses;
import dev.charon.config.Env;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;

/**
 * {@code /rest/v1/billing-runs}: list runs, one run with live progress, and start (or join) the
 * run of a period. A run started here is produced by the scheduler's maintenance task (within
 * {@code CHARON_RETRY_POLL}) on whichever server runs it, so the request itself stays short.
 */
public final class BillingRunRoutes implements HttpApi.Module {
  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;

  private final BillingRuns runs;
  private final Clock clock;
  private final ObjectMapper json =
      Json.mapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  public BillingRunRoutes(BillingRuns runs, Clock clock) {
    this.runs = runs;
    this.clock = clock;
  }

  /** The module as {@code server} and {@code demo} serve it: settings from the environment. */
  public static BillingRunRoutes create(Jdbi jdbi) {
    var settings = BillingSettings.from(Env.system());
    var clock = Clock.systemUTC();
    return new BillingRunRoutes(new BillingRuns(jdbi, clock, settings.zone(), settings.batchSize()), clock);
  }

  /** The body of {@code POST /rest/v1/billing-runs}. */
  record StartRequest(java.time.YearMonth period) {}

  @Override
  public void routes(RoutesConfig routes) {
    routes.get("/rest/v1/billing-runs", this::list);
    routes.get("/rest/v1/billing-runs/{id}", this::get);
    routes.post("/rest/v1/billing-runs", this::start);
  }

  private void list(Context ctx) {
    var query = Query.of(ctx, Set.of("limit", "cursor"));
    int limit = query.limit(DEFAULT_LIMIT, MAX_LIMIT);
    long after = query.after();
    query.validate();
    var page = Page.of(runs.list(after, limit + 1), limit, BillingRun::id);
    Responses.page(ctx, new Page<>(page.items().stream().map(RunViews.RunView::of).toList(), page.nextAfter()));
  }

  private void get(Context ctx) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    if (runs.find(id).isEmpty()) {
      throw ApiError.notFound("No billing run with id " + id);
    }
    ctx.json(RunViews.DetailView.of(runs.progress(id), clock.instant()));
  }

  /**
   * Starts the run of a period, or answers the existing one: 201 with a Location when this request
   * created it, 200 when the period already had a run (started by anyone, finished or not).
   */
  private void start(Context ctx) {
    Query.of(ctx, Set.of()).validate();
    var request = parse(ctx);
    var started = runs.startOrJoin(request.period(), "api");
    var run = started.run();
    if (started.created()) {
      ctx.status(201).header("Location", "/rest/v1/billing-runs/" + run.id());
    } else {
      ctx.status(200);
    }
    ctx.json(RunViews.DetailView.of(runs.progress(run.id()), clock.instant()));
  }

  private StartRequest parse(Context ctx) {
    var contentType = ctx.contentType();
    if (contentType == null
        || !contentType.toLowerCase(Locale.ROOT).split(";")[0].trim().equals("application/json")) {
      throw ApiError.unsupportedMediaType(
          "Send the request as application/json, not " + (contentType == null ? "without a Content-Type" : contentType));
    }
    JsonNode body;
    try {
      body = json.readTree(ctx.body());
    } catch (JsonProcessingException e) {
      throw ApiError.badRequest("The body is not valid JSON: " + e.getOriginalMessage());
    }
    if (body == null || !body.isObject()) {
      throw ApiError.badRequest("The body must be a JSON object such as {\"period\":\"" + runs.currentPeriod() + "\"}");
    }
    var errors = new ArrayList<Problem.FieldError>();
    body.fieldNames()
        .forEachRemaining(
            name -> {
              if (!name.equals("period")) {
                errors.add(new Problem.FieldError(name, "unknown field; allowed: period"));
              }
            });
    java.time.YearMonth period = null;
    var raw = body.get("period");
    if (raw == null || raw.isNull()) {
      errors.add(new Problem.FieldError("period", "required, a period like " + runs.currentPeriod()));
    } else if (!raw.isTextual()) {
      errors.add(new Problem.FieldError("period", "must be a string like \"" + runs.currentPeriod() + "\""));
    } else {
      try {
        period = BillingPeriods.parse(raw.asText(), runs.currentPeriod());
      } catch (IllegalArgumentException e) {
        errors.add(new Problem.FieldError("period", e.getMessage()));
      }
    }
    if (!errors.isEmpty()) {
      throw ApiError.invalid(List.copyOf(errors));
    }
    return new StartRequest(period);
  }
}
