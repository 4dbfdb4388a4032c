package dev.charon.invoice;

import dev.charon.api.ApiError;
import dev.charon.api.Caller;
import dev.charon.api.HttpApi;
import dev.charon.api.JsonBody;
import dev.charon.api.Page;
import dev.charon.api.Problem;
import dev.charon.api.Query;
import dev.charon.api.Responses;
import dev.charon.api.Writes;
import dev.charon.invoice.domain.Invoice;
import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** {@code /rest/v1/invoices}: the original shapes plus timestamps, period and history. */
public final class InvoiceRoutes implements HttpApi.Module {
  static final int MAX_LIMIT = 1000;

  static final int MAX_REASON = 500;

  /** A billing period as the API writes it: {@code YYYY-MM}. */
  private static final String PERIOD = "[0-9]{4}-(0[1-9]|1[0-2])";

  private final InvoiceRepository invoices;
  private final InvoiceWrites changes;
  private final Writes writes;
  private final Clock clock;
  private final ZoneId zone;

  public InvoiceRoutes(
      InvoiceRepository invoices, InvoiceWrites changes, Writes writes, Clock clock, ZoneId zone) {
    this.invoices = invoices;
    this.changes = changes;
    this.writes = writes;
    this.clock = clock;
    this.zone = zone;
  }

  /** The original {@code {value, currency}} amount; value carries the currency's scale. */
  public record AmountView(BigDecimal value, String currency, long minorUnits) {
    public static AmountView of(Money money) {
      return new AmountView(money.toDecimal(), money.currency().name(), money.minorUnits());
    }
  }

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
      long version,
      long creditedMinor,
      long refundedMinor,
      long lostInDisputesMinor) {

    static InvoiceView of(Invoice i) {
      return new InvoiceView(
          i.id(),
          i.customerId(),
          new AmountView(
              i.amount().toDecimal(), i.amount().currency().name(), i.amount().minorUnits()),
          i.status().name(),
          i.billingPeriod().toString(),
          i.dueDate(),
          i.createdAt(),
          i.updatedAt(),
          i.paidAt(),
          i.attemptCount(),
          i.nextAttemptAt(),
          i.lastFailure(),
          i.version(),
          i.creditedMinor(),
          i.refundedMinor(),
          i.lostInDisputesMinor());
    }
  }

  @Override
  public void routes(RoutesConfig routes) {
    routes.get("/rest/v1/invoices", this::list);
    routes.get("/rest/v1/invoices/{id}", this::get);
    routes.get("/rest/v1/invoices/{id}/history", this::history);
    routes.get("/rest/v1/invoices/{id}/attempts", this::attempts);
    routes.post("/rest/v1/invoices", this::create);
    for (var action : InvoiceWrites.Action.values()) {
      routes.post("/rest/v1/invoices/{id}/" + action.path(), ctx -> act(ctx, action));
    }
  }

  /**
   * Creates a PENDING invoice. The amount is a decimal string in the currency's scale, never a JSON
   * number (no binary floating point on the way); the period defaults to the current one in the
   * billing zone, the due date to the period's first day.
   */
  private void create(Context ctx) {
    Query.of(ctx, Set.of()).validate();
    var body = JsonBody.of(ctx, Set.of("customerId", "amount", "billingPeriod", "dueDate"));
    var customerId = body.id("customerId", true);
    var amount =
        body.object("amount", true, Set.of("value", "currency"))
            .flatMap(
                a -> {
                  var value = a.text("value", true, 40);
                  var currency = a.enumValue("currency", true, Currency.class);
                  if (value.isEmpty() || currency.isEmpty()) {
                    return Optional.empty();
                  }
                  if (!value.get().matches("-?[0-9]{1,30}(\\.[0-9]{1,10})?")) {
                    return a.fail(
                        "value",
                        "'"
                            + value.get()
                            + "' is not a decimal number like 12.50 (ASCII digits, optional point, no exponent)");
                  }
                  try {
                    var money = Money.parse(value.get(), currency.get());
                    return money.minorUnits() > 0
                        ? Optional.of(money)
                        : a.fail("value", "must be greater than 0");
                  } catch (IllegalArgumentException e) {
                    return a.fail("value", e.getMessage());
                  }
                });
    var period =
        body.text("billingPeriod", false, 7)
            .flatMap(
                p ->
                    p.matches(PERIOD)
                        ? Optional.of(YearMonth.parse(p))
                        : body.fail("billingPeriod", "'" + p + "' is not a period like 2026-11"))
            .orElse(YearMonth.now(clock.withZone(zone)));
    var dueDate = body.date("dueDate", false).orElse(period.atDay(1));
    body.validate();
    var invoice =
        new InvoiceWrites.NewInvoice(
            customerId.orElseThrow(), amount.orElseThrow(), period, dueDate);
    writes.handle(
        ctx,
        h -> {
          var created = written(changes.create(h, invoice, Caller.of(ctx).actor()));
          return Writes.Reply.created(InvoiceView.of(created), "/rest/v1/invoices/" + created.id());
        });
  }

  /** An operator action with its reason, which lands in the invoice's history. */
  private void act(Context ctx, InvoiceWrites.Action action) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    var body = JsonBody.of(ctx, Set.of("reason"));
    var reason = body.text("reason", true, MAX_REASON);
    body.validate();
    writes.handle(
        ctx,
        h ->
            Writes.Reply.ok(
                InvoiceView.of(
                    written(
                        changes.apply(
                            h, id, action, reason.orElseThrow(), Caller.of(ctx).actor())))));
  }

  // A rejection is thrown inside the write's transaction, so nothing of the request is kept.
  private static Invoice written(InvoiceWrites.Result result) {
    return switch (result) {
      case InvoiceWrites.Result.Written w -> w.invoice();
      case InvoiceWrites.Result.NotFound n ->
          throw ApiError.notFound("No invoice with id " + n.invoiceId());
      case InvoiceWrites.Result.NotAllowed n ->
          throw ApiError.conflict(
              "Invoice "
                  + n.invoiceId()
                  + " is "
                  + n.status()
                  + (n.status() == InvoiceStatus.PROCESSING ? " (being charged right now)" : "")
                  + "; "
                  + n.action().path()
                  + " needs one of "
                  + n.action().transition().from().stream().sorted().toList());
      case InvoiceWrites.Result.Invalid i ->
          throw ApiError.unprocessable(List.of(new Problem.FieldError(i.field(), i.detail())));
    };
  }

  private void list(Context ctx) {
    var query = Query.of(ctx, Set.of("limit", "cursor", "status", "customerId", "period"));
    int limit = query.limit(MAX_LIMIT, MAX_LIMIT);
    long after = query.after();
    var filter =
        new InvoiceFilter(
            query.enumValue("status", InvoiceStatus.class),
            query.positiveLong("customerId"),
            query.matching("period", PERIOD, "a period like 2026-11").map(YearMonth::parse));
    query.validate();
    var page = Page.of(invoices.list(filter, after, limit + 1), limit, Invoice::id);
    Responses.page(
        ctx, new Page<>(page.items().stream().map(InvoiceView::of).toList(), page.nextAfter()));
  }

  private void get(Context ctx) {
    ctx.json(InvoiceView.of(existing(ctx)));
  }

  private void history(Context ctx) {
    ctx.json(invoices.history(existing(ctx).id()));
  }

  /** An attempt with its amount in the invoice's shape rather than as the domain's Money. */
  record AttemptView(
      int attemptNo,
      String idempotencyKey,
      AmountView amount,
      String outcome,
      String providerReference,
      String detail,
      String worker,
      int calls,
      Instant createdAt,
      Instant completedAt,
      String declineCode,
      String cardBrand,
      String adviceCode,
      String networkAdviceCode,
      String networkDeclineCode) {

    static AttemptView of(ChargeAttempt a) {
      var amount =
          new AmountView(
              a.amount().toDecimal(), a.amount().currency().name(), a.amount().minorUnits());
      return new AttemptView(
          a.attemptNo(),
          a.idempotencyKey(),
          amount,
          a.outcome(),
          a.providerReference(),
          a.detail(),
          a.worker(),
          a.calls(),
          a.createdAt(),
          a.completedAt(),
          a.declineCode(),
          a.cardBrand(),
          a.adviceCode(),
          a.networkAdviceCode(),
          a.networkDeclineCode());
    }
  }

  private void attempts(Context ctx) {
    ctx.json(invoices.attempts(existing(ctx).id()).stream().map(AttemptView::of).toList());
  }

  private Invoice existing(Context ctx) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    return invoices.find(id).orElseThrow(() -> ApiError.notFound("No invoice with id " + id));
  }
}
