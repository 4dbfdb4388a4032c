package dev.charon.invoice;

import dev.charon.invoice.domain.Invoice;
import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.invoice.domain.InvoiceTransition;
import dev.charon.money.Money;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.LocalDate;
import java.time.YearMonth;
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

  /** An operator action: the route's path and the lifecycle transition it makes. */
  public enum Action {
    /** Charge again soon: the retry task enqueues it within its poll interval. */
    RETRY("retry", InvoiceTransition.RETRY),
    VOID("void", InvoiceTransition.VOID),
    MARK_UNCOLLECTIBLE("mark-uncollectible", InvoiceTransition.MARK_UNCOLLECTIBLE);

    private final String path;
    private final InvoiceTransition transition;

    Action(String path, InvoiceTransition transition) {
      this.path = path;
      this.transition = transition;
    }

    public String path() {
      return path;
    }

    public InvoiceTransition transition() {
      return transition;
    }
  }

  /** How a write ended. A rejection changes nothing; the route answers it as a problem. */
  public sealed interface Result {
    /** The invoice as written. */
    record Written(Invoice invoice) implements Result {}

    /** No invoice with that id. */
    record NotFound(long invoiceId) implements Result {}

    /** The invoice's status does not allow the action. */
    record NotAllowed(long invoiceId, InvoiceStatus status, Action action) implements Result {}

    /** A field of the request does not fit the data (unknown customer, another currency). */
    record Invalid(String field, String detail) implements Result {}
  }

  private final Clock clock;
  private final MeterRegistry metrics;

  public InvoiceWrites(Clock clock, MeterRegistry metrics) {
    this.clock = clock;
    this.metrics = metrics;
  }

  /** A new invoice to create, validated in shape; its customer is checked here. */
  public record NewInvoice(long customerId, Money amount, YearMonth period, LocalDate dueDate) {}

  public Result create(Handle h, NewInvoice invoice, String actor) {
    var customerCurrency =
        h.createQuery("select currency from customer where id = :id")
            .bind("id", invoice.customerId())
            .mapTo(String.class)
            .findOne();
    if (customerCurrency.isEmpty()) {
      return new Result.Invalid("customerId", "no customer with id " + invoice.customerId());
    }
    if (!customerCurrency.get().equals(invoice.amount().currency().name())) {
      return new Result.Invalid(
          "amount.currency",
          "customer "
              + invoice.customerId()
              + " is billed in "
              + customerCurrency.get()
              + ", not "
              + invoice.amount().currency());
    }
    var change = InvoiceTransition.CREATE.by(actor, "created");
    var created =
        h.createQuery(
                "insert into invoice (customer_id, amount_minor, currency, status, billing_period, due_date, created_at, "
                    + "status_reason, status_actor) values (:customer, :amount, :currency, :status, :period, :due, :at, "
                    + ":reason, :actor) returning "
                    + InvoiceRepository.COLUMNS)
            .bind("customer", invoice.customerId())
            .bind("amount", invoice.amount().minorUnits())
            .bind("currency", invoice.amount().currency().name())
            .bind("period", invoice.period().toString())
            .bind("due", invoice.dueDate())
            .bind("at", Timestamp.from(clock.instant()))
            .bind("status", change.transition().to().name())
            .bind("reason", change.reason())
            .bind("actor", change.actor())
            .map((rs, ctx) -> InvoiceRepository.map(rs))
            .one();
    count("create");
    log.info(
        "invoice {} created for customer {}: {} for {} by {}",
        created.id(),
        created.customerId(),
        created.amount(),
        created.billingPeriod(),
        actor);
    return new Result.Written(created);
  }

  // One guarded statement. A voided invoice owes nothing, so the credit balance it consumed at
  // production (credited_minor) goes back to the customer's balance in the same statement: credit
  // is taken once per invoice and never lost with it. The history trigger records the one change.
  private static final String APPLY =
      """
      with old as (
        select id, customer_id, currency, credited_minor from invoice
        where id = :id and status = any(:from)
        for update),
      changed as (
        update invoice i
        set status = :to, next_attempt_at = :next, status_reason = :reason, status_actor = :actor,
            credited_minor = case when :returnCredit then 0 else i.credited_minor end
        from old where i.id = old.id
        returning i.*),
      returned as (
        insert into credit_ledger (customer_id, currency, amount_minor, invoice_id, reason)
        select customer_id, currency, credited_minor, id, 'returned: invoice ' || id || ' voided'
        from old where :returnCredit and credited_minor > 0)
      select %s from changed invoice
      """;

  /**
   * Applies {@code action}; a rejection when the invoice is unknown or its status does not allow
   * it.
   */
  public Result apply(Handle h, long invoiceId, Action action, String reason, String actor) {
    var change = action.transition.by(actor, action.path + ": " + reason);
    var to = change.transition().to();
    var changed =
        h.createQuery(APPLY.formatted(InvoiceRepository.COLUMNS))
            .bind("returnCredit", to == InvoiceStatus.VOID)
            .bind("to", to.name())
            .bind(
                "next",
                to == InvoiceStatus.RETRY_SCHEDULED ? Timestamp.from(clock.instant()) : null)
            .bind("reason", change.reason())
            .bind("actor", change.actor())
            .bind("id", invoiceId)
            .bind(
                "from", change.transition().from().stream().map(Enum::name).toArray(String[]::new))
            .map((rs, ctx) -> InvoiceRepository.map(rs))
            .findOne();
    if (changed.isEmpty()) {
      return h.createQuery("select status from invoice where id = :id")
          .bind("id", invoiceId)
          .mapTo(InvoiceStatus.class)
          .findOne()
          .<Result>map(status -> new Result.NotAllowed(invoiceId, status, action))
          .orElse(new Result.NotFound(invoiceId));
    }
    count(action.path);
    log.info("invoice {} -> {} by {} ({}): {}", invoiceId, to, actor, action.path, reason);
    if (to == InvoiceStatus.VOID) {
      returnedCredit(h, changed.get());
    }
    return new Result.Written(changed.get());
  }

  /** Logs and counts the credit a void gave back (the statement wrote it). */
  private void returnedCredit(Handle h, Invoice voided) {
    h.createQuery(
            "select amount_minor from credit_ledger where invoice_id = :id and amount_minor > 0 and reason = :reason")
        .bind("id", voided.id())
        .bind("reason", "returned: invoice " + voided.id() + " voided")
        .mapTo(Long.class)
        .findOne()
        .ifPresent(
            minor -> {
              Counter.builder("charon.credit.returned")
                  .description("Invoices voided after consuming credit: the credit went back")
                  .register(metrics)
                  .increment();
              log.info(
                  "invoice {} voided: {} minor units of {} credit back on customer {}'s balance",
                  voided.id(),
                  minor,
                  voided.amount().currency(),
                  voided.customerId());
            });
  }

  private void count(String action) {
    Counter.builder("charon.invoice.writes")
        .description("Invoices created and operator actions applied through the API")
        .tag("action", action)
        .register(metrics)
        .increment();
  }
}
