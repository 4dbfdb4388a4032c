package dev.charon.refund;

import dev.charon.api.ApiError;
import dev.charon.api.HttpApi;
import dev.charon.api.Page;
import dev.charon.api.Query;
import dev.charon.api.Responses;
import dev.charon.invoice.InvoiceRepository;
import dev.charon.invoice.InvoiceRoutes.AmountView;
import dev.charon.refund.domain.Dispute;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /rest/v1/disputes} and {@code /rest/v1/invoices/{id}/disputes}: what the provider reported
 * (read only; disputes are answered at the provider, and its events or the backstop bring the
 * outcome in).
 */
public final class DisputeRoutes implements HttpApi.Module {
  static final int MAX_LIMIT = 1000;

  private final Disputes disputes;
  private final InvoiceRepository invoices;

  public DisputeRoutes(Disputes disputes, InvoiceRepository invoices) {
    this.disputes = disputes;
    this.invoices = invoices;
  }

  /** A dispute as the API shows it. */
  public record DisputeView(
      long id,
      long invoiceId,
      long customerId,
      String providerDisputeId,
      AmountView amount,
      String status,
      Instant openedAt,
      Instant closedAt) {

    static DisputeView of(Dispute d) {
      return new DisputeView(
          d.id(),
          d.invoiceId(),
          d.customerId(),
          d.providerDisputeId(),
          AmountView.of(d.amount()),
          d.status().name(),
          d.openedAt(),
          d.closedAt());
    }
  }

  @Override
  public void routes(RoutesConfig routes) {
    routes.get("/rest/v1/invoices/{id}/disputes", this::ofInvoice);
    routes.get("/rest/v1/disputes", this::list);
    routes.get("/rest/v1/disputes/{id}", this::get);
  }

  private void ofInvoice(Context ctx) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    if (invoices.find(id).isEmpty()) {
      throw ApiError.notFound("No invoice with id " + id);
    }
    var filter = new Disputes.Filter(Optional.empty(), Optional.of(id));
    ctx.json(disputes.list(filter, 0, Integer.MAX_VALUE).stream().map(DisputeView::of).toList());
  }

  private void list(Context ctx) {
    var query = Query.of(ctx, Set.of("limit", "cursor", "status", "invoiceId"));
    int limit = query.limit(MAX_LIMIT, MAX_LIMIT);
    long after = query.after();
    var filter =
        new Disputes.Filter(
            query.enumValue("status", Dispute.Status.class), query.positiveLong("invoiceId"));
    query.validate();
    var page = Page.of(disputes.list(filter, after, limit + 1), limit, Dispute::id);
    Responses.page(
        ctx, new Page<>(page.items().stream().map(DisputeView::of).toList(), page.nextAfter()));
  }

  private void get(Context ctx) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    ctx.json(
        DisputeView.of(
            disputes.find(id).orElseThrow(() -> ApiError.notFound("No dispute with id " + id))));
  }
}
