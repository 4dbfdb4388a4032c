package dev.charon.refund;

import dev.charon.api.ApiError;
import dev.charon.api.Caller;
import dev.charon.api.HttpApi;
import dev.charon.api.JsonBody;
import dev.charon.api.Page;
import dev.charon.api.Query;
import dev.charon.api.Responses;
import dev.charon.api.Writes;
import dev.charon.domain.Refused;
import dev.charon.invoice.InvoiceRepository;
import dev.charon.invoice.InvoiceRoutes.AmountView;
import dev.charon.refund.domain.Refund;
import dev.charon.refund.domain.RefundStatus;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /rest/v1/invoices/{id}/refunds} and {@code /rest/v1/refunds}: an operator asks for a
 * refund, which is reserved at once (201) and sent to the provider by the workers' refund executor.
 */
public final class RefundRoutes implements HttpApi.Module {
  static final int MAX_LIMIT = 1000;
  static final int MAX_REASON = 500;

  private final Refunds refunds;
  private final InvoiceRepository invoices;
  private final Writes writes;

  public RefundRoutes(Refunds refunds, InvoiceRepository invoices, Writes writes) {
    this.refunds = refunds;
    this.invoices = invoices;
    this.writes = writes;
  }

  /** A refund as the API shows it. */
  public record RefundView(
      long id,
      long invoiceId,
      int refundNo,
      long customerId,
      AmountView amount,
      String reason,
      String actor,
      String status,
      String source,
      String idempotencyKey,
      String providerReference,
      String failureCode,
      String failure,
      int calls,
      Instant nextAttemptAt,
      Instant createdAt,
      Instant settledAt) {

    static RefundView of(Refund r) {
      return new RefundView(
          r.id(),
          r.invoiceId(),
          r.refundNo(),
          r.customerId(),
          AmountView.of(r.amount()),
          r.reason(),
          r.actor(),
          r.status().name(),
          r.source(),
          r.idempotencyKey(),
          r.providerReference(),
          r.failureCode(),
          r.failure(),
          r.calls(),
          r.nextAttemptAt(),
          r.createdAt(),
          r.settledAt());
    }
  }

  @Override
  public void routes(RoutesConfig routes) {
    routes.post("/rest/v1/invoices/{id}/refunds", this::request);
    routes.get("/rest/v1/invoices/{id}/refunds", this::ofInvoice);
    routes.get("/rest/v1/refunds", this::list);
    routes.get("/rest/v1/refunds/{id}", this::get);
  }

  /**
   * Reserves a refund: {@code amount} ({@code {"value": "5.00", "currency": "EUR"}}) or, absent,
   * everything that remains refundable; {@code reason} is required and lands in the history.
   */
  private void request(Context ctx) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    var body = JsonBody.of(ctx, Set.of("amount", "reason"));
    var amount = body.money("amount", false);
    var reason = body.text("reason", true, MAX_REASON);
    body.validate();
    writes.handle(
        ctx,
        h -> {
          try {
            var refund =
                refunds.request(h, id, amount, reason.orElseThrow(), Caller.of(ctx).actor());
            return Writes.Reply.created(RefundView.of(refund), "/rest/v1/refunds/" + refund.id());
          } catch (Refused r) {
            throw ApiError.of(r);
          }
        });
  }

  private void ofInvoice(Context ctx) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    if (invoices.find(id).isEmpty()) {
      throw ApiError.notFound("No invoice with id " + id);
    }
    var filter = new Refunds.Filter(Optional.empty(), Optional.of(id), Optional.empty());
    ctx.json(refunds.list(filter, 0, Integer.MAX_VALUE).stream().map(RefundView::of).toList());
  }

  private void list(Context ctx) {
    var query = Query.of(ctx, Set.of("limit", "cursor", "status", "invoiceId", "customerId"));
    int limit = query.limit(MAX_LIMIT, MAX_LIMIT);
    long after = query.after();
    var filter =
        new Refunds.Filter(
            query.enumValue("status", RefundStatus.class),
            query.positiveLong("invoiceId"),
            query.positiveLong("customerId"));
    query.validate();
    var page = Page.of(refunds.list(filter, after, limit + 1), limit, Refund::id);
    Responses.page(
        ctx, new Page<>(page.items().stream().map(RefundView::of).toList(), page.nextAfter()));
  }

  private void get(Context ctx) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    ctx.json(
        RefundView.of(
            refunds.find(id).orElseThrow(() -> ApiError.notFound("No refund with id " + id))));
  }
}
