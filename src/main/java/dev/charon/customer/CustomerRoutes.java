package dev.charon.customer;

import dev.charon.api.ApiError;
import dev.charon.api.HttpApi;
import dev.charon.api.Page;
import dev.charon.api.Query;
import dev.charon.api.Responses;
import dev.charon.money.Currency;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Set;

/** {@code /rest/v1/customers}: the original list and lookup, paginated and filterable. */
public final class CustomerRoutes implements HttpApi.Module {
  static final int MAX_LIMIT = 1000;

  private final CustomerRepository customers;

  public CustomerRoutes(CustomerRepository customers) {
    this.customers = customers;
  }

  @Override
  public void routes(RoutesConfig routes) {
    routes.get("/rest/v1/customers", this::list);
    routes.get("/rest/v1/customers/{id}", this::get);
  }

  private void list(Context ctx) {
    var query = Query.of(ctx, Set.of("limit", "cursor", "currency"));
    int limit = query.limit(MAX_LIMIT, MAX_LIMIT);
    long after = query.after();
    var currency = query.enumValue("currency", Currency.class);
    query.validate();
    Responses.page(ctx, Page.of(customers.list(after, limit + 1, currency), limit, Customer::id));
  }

  private void get(Context ctx) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    ctx.json(customers.find(id).orElseThrow(() -> ApiError.notFound("No customer with id " + id)));
  }
}
