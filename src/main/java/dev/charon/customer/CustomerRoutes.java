package dev.charon.customer;

import dev.charon.api.ApiError;
import dev.charon.api.Caller;
import dev.charon.api.HttpApi;
import dev.charon.api.JsonBody;
import dev.charon.api.Page;
import dev.charon.api.Query;
import dev.charon.api.Responses;
import dev.charon.api.Writes;
import dev.charon.customer.domain.Customer;
import dev.charon.money.Currency;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Set;

/**
 * {@code /rest/v1/customers}: the original list and lookup, paginated and filterable; create and
 * update.
 */
public final class CustomerRoutes implements HttpApi.Module {
  static final int MAX_LIMIT = 1000;

  private final CustomerRepository customers;
  private final Writes writes;

  public CustomerRoutes(CustomerRepository customers, Writes writes) {
    this.customers = customers;
    this.writes = writes;
  }

  @Override
  public void routes(RoutesConfig routes) {
    routes.get("/rest/v1/customers", this::list);
    routes.get("/rest/v1/customers/{id}", this::get);
    routes.post("/rest/v1/customers", this::create);
    routes.patch("/rest/v1/customers/{id}", this::update);
  }

  /** Creates a customer billed in one currency, with an optional display name. */
  private void create(Context ctx) {
    Query.of(ctx, Set.of()).validate();
    var body = JsonBody.of(ctx, Set.of("currency", "name", "providerReference"));
    var currency = body.enumValue("currency", true, Currency.class);
    var name = body.text("name", false, 200);
    var reference = reference(body);
    body.validate();
    writes.handle(
        ctx,
        h -> {
          var created =
              customers.create(
                  h,
                  currency.orElseThrow(),
                  name.orElse(null),
                  reference.orElse(null),
                  Caller.of(ctx).actor());
          return Writes.Reply.created(created, "/rest/v1/customers/" + created.id());
        });
  }

  /**
   * Changes a customer's name or provider reference (the Stripe customer its invoices are charged
   * to); {@code "providerReference": null} unmaps it. The currency never changes: invoices carry
   * it.
   */
  private void update(Context ctx) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    var body = JsonBody.of(ctx, Set.of("name", "providerReference"));
    var name = body.text("name", false, 200);
    var reference = reference(body);
    boolean clear = body.isNull("providerReference");
    if (name.isEmpty() && reference.isEmpty() && !clear) {
      body.fail("providerReference", "nothing to change: send name or providerReference");
    }
    body.validate();
    writes.handle(
        ctx,
        h ->
            Writes.Reply.ok(
                customers
                    .update(
                        h,
                        id,
                        new CustomerRepository.Change(name, reference, clear),
                        Caller.of(ctx).actor())
                    .orElseThrow(() -> ApiError.notFound("No customer with id " + id))));
  }

  private static java.util.Optional<String> reference(JsonBody body) {
    return body.text("providerReference", false, 255)
        .flatMap(
            value ->
                value.matches(Customer.REFERENCE_PATTERN)
                    ? java.util.Optional.of(value)
                    : body.fail(
                        "providerReference",
                        "must be the provider's customer id (such as cus_...): printable characters, no spaces"));
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
