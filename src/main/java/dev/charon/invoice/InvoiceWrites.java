package dev.charon.invoice;

import dev.charon.api.ApiError;
import dev.charon.api.Problem;
import dev.charon.money.Money;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creating invoices and the operator actions on one, each inside the caller's transaction. Every
 * change is one guarded statement: the history and event triggers record it with its reason and
 * actor, and a change that does not fit the invoice's current status changes nothing.
 */
public final class InvoiceWrites {
  private static final Logger log = LoggerFactory.getLogger(InvoiceWrites.class);

  /** An operator action: which statuses it accepts and where it takes the invoice. */
  public enum Action {
    /** Charge again soon: the retry task enqueues it within its poll interval. */
    RETRY("retry", EnumSet.of(InvoiceStatus.ACTION_REQUIRED, InvoiceStatus.UNCOLLECTIBLE), InvoiceStatus.RETRY_SCHEDULED),
    VOID(
        "void",
        EnumSet.of(InvoiceStatus.PENDING, InvoiceStatus.RETRY_SCHEDULED, InvoiceStatus.ACTION_REQUIRED, InvoiceStatus.UNCOLLECTIBLE),
        InvoiceStatus.VOID),
    MARK_UNCOLLECTIBLE(
        "mark-uncollectible",
        EnumSet.of(InvoiceStatus.PENDING, InvoiceStatus.RETRY_SCHEDULED, InvoiceStatus.ACTION_REQUIRED),
        InvoiceStatus.UNCOLLECTIBLE);

    private final String path;
    private final Set<InvoiceStatus> from;
    private final InvoiceStatus to;

    Action(String path, Set<InvoiceStatus> from, InvoiceStatus to) {
      this.path = path;
      this.from = from;
      this.to = to;
    }

    public String path() {
      return path;
    }
  }

  private final Clock clock;
  private final MeterRegistry metrics;

  public InvoiceWrites(Clock clock, MeterRegistry metrics) {
    this.clock = clock;
    this.metrics = metrics;
  }

  /** A new invoice to create, validated in shape; its customer is checked here. */
  public record NewInvoice(long customerId, Money amount, YearMonth period, LocalDate dueDate) {}

  public Invoice create(Handle h, NewInvoice invoice, String actor) {
    var customerCurrency =
        h.createQuery("select currency from customer where id = :id")
            .bind("id", invoice.customerId())
            .mapTo(String.class)
            .findOne()
            .orElseThrow(
                () ->
                    ApiError.unprocessable(
                        List.of(new Problem.FieldError("customerId", "no customer with id " + invoice.customerId()))));
    if (!customerCurrency.equals(invoice.amount().currency().name())) {
      throw ApiError.unprocessable(
          List.of(
              new Problem.FieldError(
                  "amount.currency",
                  "customer " + invoice.customerId() + " is billed in " + customerCurrency + ", not "
                      + invoice.amount().currency())));
    }
    var created =
        h.createQuery(
                "insert into invoice (customer_id, amount_minor, currency, billing_period, due_date, created_at, "
                    + "status_reason, status_actor) values (:customer, :amount, :currency, :period, :due, :at, "
                    + "'created', :actor) returning " + InvoiceRepository.COLUMNS)
            .bind("customer", invoice.customerId())
            .bind("amount", invoice.amount().minorUnits())
            .bind("currency", invoice.amount().currency().name())
            .bind("period", invoice.period().toString())
            .bind("due", invoice.dueDate())
            .bind("at", Timestamp.from(clock.instant()))
            .bind("actor", actor)
            .map((rs, ctx) -> InvoiceRepository.map(rs))
            .one();
    count("create");
    log.info("invoice {} created for customer {}: {} for {} by {}", created.id(), created.customerId(), created.amount(), created.billingPeriod(), actor);
    return created;
  }

  /** Applies {@code action}; 404 for an unknown invoice, 409 when its status does not allow it. */
  public Invoice apply(Handle h, long invoiceId, Action action, String reason, String actor) {
    var changed =
        h.createQuery(
                "update invoice set status = :to, next_attempt_at = :next, status_reason = :reason, status_actor = :actor "
                    + "where id = :id and status = any(:from) returning " + InvoiceRepository.COLUMNS)
            .bind("to", action.to.name())
            .bind("next", action.to == InvoiceStatus.RETRY_SCHEDULED ? Timestamp.from(clock.instant()) : null)
            .bind("reason", action.path + ": " + reason)
            .bind("actor", actor)
            .bind("id", invoiceId)
            .bind("from", action.from.stream().map(Enum::name).toArray(String[]::new))
            .map((rs, ctx) -> InvoiceRepository.map(rs))
            .findOne();
    if (changed.isEmpty()) {
      var status =
          h.createQuery("select status from invoice where id = :id")
              .bind("id", invoiceId)
              .mapTo(String.class)
              .findOne()
              .orElseThrow(() -> ApiError.notFound("No invoice with id " + invoiceId));
      throw ApiError.conflict(
          "Invoice " + invoiceId + " is " + status + (status.equals("PROCESSING") ? " (being charged right now)" : "")
              + "; " + action.path + " needs one of " + Arrays.toString(action.from.toArray()));
    }
    count(action.path);
    log.info("invoice {} -> {} by {} ({}): {}", invoiceId, action.to, actor, action.path, reason);
    return changed.get();
  }

  private void count(String action) {
    Counter.builder("charon.invoice.writes")
        .description("Invoices created and operator actions applied through the API")
        .tag("action", action)
        .register(metrics)
        .increment();
  }

}
