package dev.charon.credit;

import dev.charon.api.ApiError;
import dev.charon.api.Caller;
import dev.charon.api.HttpApi;
import dev.charon.api.JsonBody;
import dev.charon.api.Page;
import dev.charon.api.Query;
import dev.charon.api.Responses;
import dev.charon.api.Writes;
import dev.charon.credit.domain.CreditNote;
import dev.charon.customer.CustomerRepository;
import dev.charon.domain.Refused;
import dev.charon.invoice.InvoiceRepository;
import dev.charon.invoice.InvoiceRoutes.AmountView;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * Credit notes ({@code /rest/v1/credit-notes}, {@code /rest/v1/invoices/{id}/credit-notes}) and a
 * customer's credit balance ({@code /rest/v1/customers/{id}/credit-balance}).
 */
public final class CreditRoutes implements HttpApi.Module {
  static final int MAX_LIMIT = 1000;
  static final int MAX_REASON = 500;

  private final CreditNotes notes;
  private final InvoiceRepository invoices;
  private final CustomerRepository customers;
  private final Writes writes;

  public CreditRoutes(
      CreditNotes notes, InvoiceRepository invoices, CustomerRepository customers, Writes writes) {
    this.notes = notes;
    this.invoices = invoices;
    this.customers = customers;
    this.writes = writes;
  }

  /** A credit note as the API shows it. */
  public record CreditNoteView(
      long id,
      String number,
      String kind,
      long invoiceId,
      Long refundId,
      long customerId,
      AmountView amount,
      String reason,
      String actor,
      Instant issuedAt) {

    static CreditNoteView of(CreditNote n) {
      return new CreditNoteView(
          n.id(),
          n.number(),
          n.kind().name(),
          n.invoiceId(),
          n.refundId(),
          n.customerId(),
          AmountView.of(n.amount()),
          n.reason(),
          n.actor(),
          n.issuedAt());
    }
  }

  /** One currency of a customer's credit balance; zero once spent. */
  public record BalanceView(String currency, BigDecimal value, long minorUnits) {}

  @Override
  public void routes(RoutesConfig routes) {
    routes.post("/rest/v1/invoices/{id}/credit-notes", this::credit);
    routes.get("/rest/v1/invoices/{id}/credit-notes", this::ofInvoice);
    routes.get("/rest/v1/credit-notes", this::list);
    routes.get("/rest/v1/credit-notes/{id}", this::get);
    routes.get("/rest/v1/customers/{id}/credit-balance", this::balance);
  }

  /** A credit without moving money: a CREDIT note, and its amount on the credit balance. */
  private void credit(Context ctx) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    var body = JsonBody.of(ctx, Set.of("amount", "reason"));
    var amount = body.money("amount", true);
    var reason = body.text("reason", true, MAX_REASON);
    body.validate();
    writes.handle(
        ctx,
        h -> {
          try {
            var note =
                notes.credit(
                    h, id, amount.orElseThrow(), reason.orElseThrow(), Caller.of(ctx).actor());
            return Writes.Reply.created(
                CreditNoteView.of(note), "/rest/v1/credit-notes/" + note.id());
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
    ctx.json(
        notes.list(Optional.of(id), Optional.empty(), 0, Integer.MAX_VALUE).stream()
            .map(CreditNoteView::of)
            .toList());
  }

  private void list(Context ctx) {
    var query = Query.of(ctx, Set.of("limit", "cursor", "invoiceId", "customerId"));
    int limit = query.limit(MAX_LIMIT, MAX_LIMIT);
    long after = query.after();
    var invoice = query.positiveLong("invoiceId");
    var customer = query.positiveLong("customerId");
    query.validate();
    var page = Page.of(notes.list(invoice, customer, after, limit + 1), limit, CreditNote::id);
    Responses.page(
        ctx, new Page<>(page.items().stream().map(CreditNoteView::of).toList(), page.nextAfter()));
  }

  private void get(Context ctx) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    ctx.json(
        CreditNoteView.of(
            notes.find(id).orElseThrow(() -> ApiError.notFound("No credit note with id " + id))));
  }

  private void balance(Context ctx) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    if (customers.find(id).isEmpty()) {
      throw ApiError.notFound("No customer with id " + id);
    }
    ctx.json(
        notes.balance(id).stream()
            .map(m -> new BalanceView(m.currency().name(), m.toDecimal(), m.minorUnits()))
            .toList());
  }
}
