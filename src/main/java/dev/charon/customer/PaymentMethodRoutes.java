package dev.charon.customer;

import dev.charon.api.ApiError;
import dev.charon.api.Caller;
import dev.charon.api.HttpApi;
import dev.charon.api.JsonBody;
import dev.charon.api.Query;
import dev.charon.api.Writes;
import dev.charon.domain.Refused;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Set;

/**
 * {@code /rest/v1/customers/{id}/payment-method}: read the customer's payment method, or set a new
 * one ({@code {"reference": "pm_...", "expectedVersion": 3}}), which retries the invoices a hard
 * decline stopped.
 */
public final class PaymentMethodRoutes implements HttpApi.Module {
  private final PaymentMethods methods;
  private final Writes writes;

  public PaymentMethodRoutes(PaymentMethods methods, Writes writes) {
    this.methods = methods;
    this.writes = writes;
  }

  @Override
  public void routes(RoutesConfig routes) {
    routes.get("/rest/v1/customers/{id}/payment-method", this::get);
    routes.post("/rest/v1/customers/{id}/payment-method", this::update);
  }

  private void get(Context ctx) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    ctx.json(methods.find(id).orElseThrow(() -> ApiError.notFound("No customer with id " + id)));
  }

  private void update(Context ctx) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    var body = JsonBody.of(ctx, Set.of("reference", "expectedVersion"));
    var reference = body.text("reference", true, 255);
    var expected = body.id("expectedVersion", false);
    body.validate();
    writes.handle(
        ctx,
        h -> {
          try {
            return Writes.Reply.ok(
                methods.update(
                    h, id, reference.orElseThrow(), expected.orElse(null), Caller.of(ctx).actor()));
          } catch (Refused r) {
            throw ApiError.of(r);
          }
        });
  }
}
