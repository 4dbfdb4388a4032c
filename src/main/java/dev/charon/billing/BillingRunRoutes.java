package dev.charon.billing;

import dev.charon.api.ApiError;
import dev.charon.api.Caller;
import dev.charon.api.HttpApi;
import dev.charon.api.JsonBody;
import dev.charon.api.Page;
import dev.charon.api.Query;
import dev.charon.api.Responses;
import dev.charon.api.Writes;
import dev.charon.billing.domain.BillingPeriods;
import dev.charon.billing.domain.BillingRun;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /rest/v1/billing-runs}: list runs, one run with live progress, and start (or join) the run
 * of a period. A run started here is produced by the scheduler's maintenance task (within {@code
 * CHARON_RETRY_POLL}) on whichever server runs it, so the request itself stays short.
 */
public final class BillingRunRoutes implements HttpApi.Module {
  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;

  private final BillingRuns runs;
  private final Writes writes;
  private final Clock clock;

  public BillingRunRoutes(BillingRuns runs, Writes writes, Clock clock) {
    this.runs = runs;
    this.writes = writes;
    this.clock = clock;
  }

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
    Responses.page(
        ctx,
        new Page<>(page.items().stream().map(RunViews.RunView::of).toList(), page.nextAfter()));
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
   * created it, 200 when the period already had a run (started by anyone, finished or not). The run
   * is idempotent per period by itself; an Idempotency-Key also replays the first answer.
   */
  private void start(Context ctx) {
    Query.of(ctx, Set.of()).validate();
    var body = JsonBody.of(ctx, Set.of("period"));
    var period =
        body.text("period", true, 20)
            .flatMap(
                raw -> {
                  try {
                    return Optional.of(BillingPeriods.parse(raw, runs.currentPeriod()));
                  } catch (IllegalArgumentException e) {
                    return body.fail("period", e.getMessage());
                  }
                });
    body.validate();
    writes.handle(
        ctx,
        h -> {
          var started = runs.startOrJoin(period.orElseThrow(), Caller.of(ctx).actor());
          var view = RunViews.DetailView.of(runs.progress(h, started.run().id()), clock.instant());
          return started.created()
              ? Writes.Reply.created(view, "/rest/v1/billing-runs/" + started.run().id())
              : Writes.Reply.ok(view);
        });
  }
}
