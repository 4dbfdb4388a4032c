package dev.charon.subscription;

import dev.charon.api.ApiError;
import dev.charon.api.Caller;
import dev.charon.api.HttpApi;
import dev.charon.api.JsonBody;
import dev.charon.api.Page;
import dev.charon.api.Query;
import dev.charon.api.Responses;
import dev.charon.api.Writes;
import dev.charon.domain.Refused;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Set;

/**
 * {@code /rest/v1/customers/{id}/subscriptions} (list, create) and {@code
 * /rest/v1/subscriptions/{id}} (read, {@code /cancel}).
 */
public final class SubscriptionRoutes implements HttpApi.Module {
  static final int MAX_LIMIT = 1000;

  private final Subscriptions subscriptions;
  private final Writes writes;

  public SubscriptionRoutes(Subscriptions subscriptions, Writes writes) {
    this.subscriptions = subscriptions;
    this.writes = writes;
  }

  record AmountView(BigDecimal value, String currency, long minorUnits) {}

  record SubscriptionView(
      long id,
      long customerId,
      AmountView amount,
      String interval,
      LocalDate startDate,
      LocalDate endDate,
      String status,
      Instant cancelledAt,
      Instant createdAt) {
    static SubscriptionView of(Subscription s) {
      return new SubscriptionView(
          s.id(),
          s.customerId(),
          new AmountView(
              s.amount().toDecimal(), s.amount().currency().name(), s.amount().minorUnits()),
          s.interval().name(),
          s.startDate(),
          s.endDate(),
          s.status().name(),
          s.cancelledAt(),
          s.createdAt());
    }
  }

  @Override
  public void routes(RoutesConfig routes) {
    routes.get("/rest/v1/customers/{id}/subscriptions", this::list);
    routes.post("/rest/v1/customers/{id}/subscriptions", this::create);
    routes.get("/rest/v1/subscriptions/{id}", this::get);
    routes.post("/rest/v1/subscriptions/{id}/cancel", this::cancel);
  }

  private void create(Context ctx) {
    long customer = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    var body = JsonBody.of(ctx, Set.of("amount", "interval", "startDate", "endDate"));
    var amount = body.money("amount", true);
    body.enumValue("interval", false, Subscription.Interval.class);
    var start = body.date("startDate", true);
    var end = body.date("endDate", false);
    if (start.isPresent() && end.isPresent() && end.get().isBefore(start.get())) {
      body.fail("endDate", "must not be before startDate " + start.get());
    }
    body.validate();
    var s =
        new Subscriptions.NewSubscription(
            customer, amount.orElseThrow(), start.orElseThrow(), end.orElse(null));
    writes.handle(
        ctx,
        h -> {
          try {
            var created = subscriptions.create(h, s, Caller.of(ctx).actor());
            return Writes.Reply.created(
                SubscriptionView.of(created), "/rest/v1/subscriptions/" + created.id());
          } catch (Refused r) {
            throw ApiError.of(r);
          }
        });
  }

  private void list(Context ctx) {
    long customer = Query.pathId(ctx, "id");
    var query = Query.of(ctx, Set.of("limit", "cursor"));
    int limit = query.limit(MAX_LIMIT, MAX_LIMIT);
    long after = query.after();
    query.validate();
    if (!subscriptions.customerExists(customer)) {
      throw ApiError.notFound("No customer with id " + customer);
    }
    var page =
        Page.of(subscriptions.ofCustomer(customer, after, limit + 1), limit, Subscription::id);
    Responses.page(
        ctx,
        new Page<>(page.items().stream().map(SubscriptionView::of).toList(), page.nextAfter()));
  }

  private void get(Context ctx) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    ctx.json(
        SubscriptionView.of(
            subscriptions
                .find(id)
                .orElseThrow(() -> ApiError.notFound("No subscription with id " + id))));
  }

  private void cancel(Context ctx) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    var body = JsonBody.of(ctx, Set.of("reason"));
    var reason = body.text("reason", true, 500);
    body.validate();
    writes.handle(
        ctx,
        h -> {
          try {
            return Writes.Reply.ok(
                SubscriptionView.of(
                    subscriptions.cancel(h, id, reason.orElseThrow(), Caller.of(ctx).actor())));
          } catch (Refused r) {
            throw ApiError.of(r);
          }
        });
  }
}
