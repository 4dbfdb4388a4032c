package dev.charon.provider;

import dev.charon.db.SqlFiles;
import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.invoice.domain.InvoiceTransition;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settles the payment a PaymentIntent left waiting once Stripe reports its end (issue 28): the
 * attempt that created the intent is found by the idempotency key in the intent's metadata.
 *
 * <ul>
 *   <li>{@code payment_intent.succeeded}: the attempt becomes CHARGED with the intent as its
 *       reference and the invoice PAID ({@link InvoiceTransition#CONFIRM_PAYMENT}, actor {@code
 *       provider}: history, {@code invoice.paid}), in one transaction under the invoice's lock and
 *       guarded on the attempt's outcome, so a redelivered event, a backstop or a worker recording
 *       the same attempt settle it once. An intent that succeeded on an invoice already paid by
 *       another charge is a second charge: UNMATCHED, for an operator (the audit reports it too).
 *       While another attempt of the invoice is in flight the event is not applied yet (thrown, so
 *       the applier tries again after it has settled).
 *   <li>{@code payment_intent.payment_failed}: a decline already recorded needs nothing (the
 *       invoice stays where dunning or the customer left it); an attempt still open (the intent was
 *       processing) has its request offered again at once, so a worker sends the key, reads the
 *       intent's decline and takes the declined path.
 * </ul>
 */
public final class PaymentIntentSettler implements PaymentIntentSettlement {
  private static final Logger log = LoggerFactory.getLogger(PaymentIntentSettler.class);

  private static final String ATTEMPT =
      """
      with inv as (select id, status from invoice where id = :invoice for update)
      select inv.status, a.id as attempt_id, a.attempt_no, a.outcome, a.amount_minor, a.currency,
             a.provider_reference, a.decline_code,
             exists (select 1 from charge_attempt o
                     where o.invoice_id = inv.id and o.outcome = 'UNKNOWN' and o.id <> a.id) as open_other
      from inv join charge_attempt a on a.invoice_id = inv.id and a.idempotency_key = :key""";

  // The attempt's outcome is guarded on what was read under the invoice's lock; the invoice moves
  // only from CONFIRM_PAYMENT's states, and a request still queued for it goes.
  private static final String CONFIRM =
      SqlFiles.statement(
          """
          with att as (
            update charge_attempt
            set outcome = 'CHARGED', provider_reference = :reference, detail = :detail,
                completed_at = coalesce(completed_at, charon_now())
            where id = :attempt and outcome = :was
            returning invoice_id, attempt_no),
          paid as (
            update invoice v
            set status = ${CONFIRM_PAYMENT.to}, paid_at = charon_now(), next_attempt_at = null,
                attempt_count = greatest(v.attempt_count, att.attempt_no),
                status_reason = :reason, status_actor = ${CONFIRM_PAYMENT.actor},
                charge_available_at = null, charge_lease_owner = null
            from att
            where v.id = att.invoice_id and v.status in (${CONFIRM_PAYMENT.from})
            returning v.id),
          gone as (delete from charge_request r using paid where r.invoice_id = paid.id)
          select count(*) from paid""");

  // Only an offer nobody holds, deferred to later: made now (on the invoice row for the table
  // intake, on its charge request for the RabbitMQ intake).
  private static final String HASTEN =
      """
      with offered as (
        update invoice set charge_available_at = charon_now()
        where id = :invoice and charge_lease_owner is null and charge_available_at > charon_now()
        returning id),
      requested as (
        update charge_request set available_at = charon_now()
        where invoice_id = :invoice and lease_owner is null and available_at > charon_now()
        returning id)
      select exists (select from offered) or exists (select from requested)""";

  private static final java.util.Set<String> PAID_STATES =
      java.util.Set.of(
          InvoiceStatus.PAID.name(),
          InvoiceStatus.PARTIALLY_REFUNDED.name(),
          InvoiceStatus.REFUNDED.name(),
          InvoiceStatus.DISPUTED.name());

  private record Attempt(
      String invoiceStatus,
      long id,
      int number,
      String outcome,
      long amountMinor,
      String currency,
      String reference,
      String declineCode,
      boolean openOther) {}

  private final Jdbi jdbi;
  private final MeterRegistry metrics;

  public PaymentIntentSettler(Jdbi jdbi, MeterRegistry metrics) {
    this.jdbi = jdbi;
    this.metrics = metrics;
  }

  @Override
  public EventOutcome settle(PaymentIntentEvent e) {
    if (e.invoiceId().isEmpty() || e.idempotencyKey().isEmpty()) {
      return count(
          e,
          "unmatched",
          EventOutcome.unmatched(
              "PaymentIntent " + e.paymentIntentId() + " carries no Charon invoice and key", null));
    }
    long invoice = e.invoiceId().get();
    var outcome =
        jdbi.inTransaction(
            h -> {
              var attempt = attempt(h, invoice, e.idempotencyKey().get());
              if (attempt.isEmpty()) {
                return EventOutcome.unmatched(
                    "PaymentIntent "
                        + e.paymentIntentId()
                        + ": invoice "
                        + invoice
                        + " has no attempt with its key",
                    invoice);
              }
              return e.succeeded()
                  ? succeeded(h, e, invoice, attempt.get())
                  : failed(h, e, invoice, attempt.get());
            });
    return count(e, outcome.status().tag(), outcome);
  }

  private Optional<Attempt> attempt(Handle h, long invoice, String key) {
    return h.createQuery(ATTEMPT)
        .bind("invoice", invoice)
        .bind("key", key)
        .map(
            (rs, ctx) ->
                new Attempt(
                    rs.getString("status"),
                    rs.getLong("attempt_id"),
                    rs.getInt("attempt_no"),
                    rs.getString("outcome"),
                    rs.getLong("amount_minor"),
                    rs.getString("currency"),
                    rs.getString("provider_reference"),
                    rs.getString("decline_code"),
                    rs.getBoolean("open_other")))
        .findOne();
  }

  private EventOutcome succeeded(Handle h, PaymentIntentEvent e, long invoice, Attempt a) {
    var intent = e.paymentIntentId();
    if (e.amount().isEmpty()
        || e.amount().get().minorUnits() != a.amountMinor()
        || !e.amount().get().currency().name().equals(a.currency())) {
      return EventOutcome.unmatched(
          "PaymentIntent "
              + intent
              + " succeeded for "
              + e.amount().map(Object::toString).orElse("an amount Charon cannot read")
              + ", but attempt "
              + a.number()
              + " was for "
              + a.amountMinor()
              + " "
              + a.currency(),
          invoice);
    }
    if (a.outcome().equals("CHARGED") && intent.equals(a.reference())) {
      return EventOutcome.applied(
          "already recorded: attempt " + a.number() + " charged " + intent, invoice);
    }
    if (PAID_STATES.contains(a.invoiceStatus()) || a.outcome().equals("CHARGED")) {
      log.error(
          "PaymentIntent {} of invoice {} succeeded, but the invoice is {} by another charge: charged twice, refund one",
          intent,
          invoice,
          a.invoiceStatus());
      return EventOutcome.unmatched(
          "PaymentIntent "
              + intent
              + " succeeded, but invoice "
              + invoice
              + " is "
              + a.invoiceStatus()
              + " by another charge: charged twice, refund one",
          invoice);
    }
    var status = InvoiceStatus.valueOf(a.invoiceStatus());
    if (!InvoiceTransition.CONFIRM_PAYMENT.allowedFrom(status)) {
      return EventOutcome.unmatched(
          "PaymentIntent "
              + intent
              + " succeeded, but invoice "
              + invoice
              + " is "
              + status
              + ": the money was taken, an operator decides (refund)",
          invoice);
    }
    if (a.openOther()) {
      // A retry under a new key is in flight: wait until its outcome is recorded (then this one
      // pays the invoice, or is found to be a second charge). A request queued but not yet opened
      // goes with the confirmation: its delivery finds the invoice PAID and drops it.
      throw new IllegalStateException(
          "invoice " + invoice + " has another attempt in flight; applied once it is recorded");
    }
    var was = a.outcome();
    var why =
        was.equals("DECLINED")
            ? "the customer completed the payment that waited ("
                + a.declineCode()
                + "); Stripe reports PaymentIntent "
                + intent
                + " succeeded ("
                + e.eventId()
                + ")"
            : "Stripe reports PaymentIntent " + intent + " succeeded (" + e.eventId() + ")";
    long moved =
        h.createQuery(CONFIRM)
            .bind("reference", intent)
            .bind("detail", why)
            .bind("attempt", a.id())
            .bind("was", was)
            .bind("reason", why)
            .mapTo(Long.class)
            .one();
    if (moved == 0) {
      throw new IllegalStateException(
          "invoice " + invoice + " or its attempt moved under its lock; tried again");
    }
    log.info(
        "invoice {} PAID: PaymentIntent {} succeeded after attempt {} was {} ({})",
        invoice,
        intent,
        a.number(),
        was,
        e.eventId());
    return EventOutcome.applied(
        "invoice PAID: attempt " + a.number() + " (" + was + ") charged " + intent, invoice);
  }

  private EventOutcome failed(Handle h, PaymentIntentEvent e, long invoice, Attempt a) {
    var intent = e.paymentIntentId();
    var code = e.declineCode().orElse("card_declined");
    return switch (a.outcome()) {
      case "UNKNOWN" -> {
        boolean hastened =
            h.createQuery(HASTEN).bind("invoice", invoice).mapTo(Boolean.class).one();
        yield EventOutcome.applied(
            "PaymentIntent "
                + intent
                + " failed ("
                + code
                + ") while attempt "
                + a.number()
                + " was open: "
                + (hastened
                    ? "its request is offered now; the worker records the decline"
                    : "the worker holding it records the decline"),
            invoice);
      }
      case "DECLINED" ->
          EventOutcome.applied(
              "already declined ("
                  + a.declineCode()
                  + "); PaymentIntent "
                  + intent
                  + " failed again ("
                  + code
                  + "), the invoice stays "
                  + a.invoiceStatus(),
              invoice);
      default ->
          EventOutcome.unmatched(
              "PaymentIntent "
                  + intent
                  + " failed ("
                  + code
                  + "), but attempt "
                  + a.number()
                  + " is recorded "
                  + a.outcome(),
              invoice);
    };
  }

  private EventOutcome count(PaymentIntentEvent e, String result, EventOutcome outcome) {
    Counter.builder("charon.payment_intents.settled")
        .description("PaymentIntent outcomes reported by Stripe, by event type and result")
        .tag("type", e.type())
        .tag("result", result)
        .register(metrics)
        .increment();
    return outcome;
  }
}
