package dev.charon.invoice;

import dev.charon.api.ApiError;
import dev.charon.api.HttpApi;
import dev.charon.api.Page;
import dev.charon.api.Query;
import dev.charon.api.Responses;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.Set;

/** {@code /rest/v1/invoices}: the original shapes plus timestamps, period and history. */
public final class InvoiceRoutes implements HttpApi.Module {
  static final int MAX_LIMIT = 1000;

  private final InvoiceRepository invoices;

  public InvoiceRoutes(InvoiceRepository invoices) {
    this.invoices = invoices;
  }

  /** The original {@code {value, currency}} amount; value carries the currency's scale. */
  public record AmountView(BigDecimal value, String currency, long minorUnits) {}

  /** The original invoice shape ({@code id, customerId, amount, status}) and the new fields. */
  public record InvoiceView(
      long id,
      long customerId,
      AmountView amount,
      String status,
      String billingPeriod,
      LocalDate dueDate,
      Instant createdAt,
      Instant updatedAt,
      Instant paidAt,
      int attemptCount,
      Instant nextAttemptAt,
      String lastFailure,
      long version) {

    static InvoiceView of(Invoice i) {
      return new InvoiceView(
          i.id(),
          i.customerId(),
          new AmountView(i.amount().toDecimal(), i.amount().currency().name(), i.amount().minorUnits()),
          i.status().name(),
          i.billingPeriod().toString(),
          i.dueDate(),
          i.createdAt(),
          i.updatedAt(),
          i.paidAt(),
          i.attemptCount(),
          i.nextAttemptAt(),
          i.lastFailure(),
          i.version());
    }
  }

  @Override
  public void routes(RoutesConfig routes) {
    routes.get("/rest/v1/invoices", this::list);
    routes.get("/rest/v1/invoices/{id}", this::get);
    routes.get("/rest/v1/invoices/{id}/history", this::history);
  }

  private void list(Context ctx) {
    var query = Query.of(ctx, Set.of("limit", "cursor", "status", "customerId", "period"));
    int limit = query.limit(MAX_LIMIT, MAX_LIMIT);
    long after = query.after();
    var filter =
        new InvoiceFilter(
            query.enumValue("status", InvoiceStatus.class),
            query.positiveLong("customerId"),
            query.matching("period", "[0-9]{4}-(0[1-9]|1[0-2])", "a period like 2026-11").map(YearMonth::parse));
    query.validate();
    var page = Page.of(invoices.list(filter, after, limit + 1), limit, Invoice::id);
    Responses.page(ctx, new Page<>(page.items().stream().map(InvoiceView::of).toList(), page.nextAfter()));
  }

  private void get(Context ctx) {
    ctx.json(InvoiceView.of(existing(ctx)));
  }

  private void history(Context ctx) {
    ctx.json(invoices.history(existing(ctx).id()));
  }

  private Invoice existing(Context ctx) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    return invoices.find(id).orElseThrow(() -> ApiError.notFound("No invoice with id " + id));
  }
}
