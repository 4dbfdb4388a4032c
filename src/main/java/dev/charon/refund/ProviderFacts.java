package dev.charon.refund;

import dev.charon.credit.CreditNotes;
import dev.charon.db.SqlFiles;
import dev.charon.invoice.domain.InvoiceTransition;
import dev.charon.money.Money;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the provider did without Charon, applied once whoever reports it: the gateway's backstop,
 * the Stripe backstop, or a provider event (Stripe's webhooks, the gateway's signed events). A
 * refund made at the provider becomes a refund of source provider with a REFUND credit note (actor
 * {@code provider}); a dispute moves the invoice (DISPUTED; back to PAID, or PARTIALLY_REFUNDED if
 * it had refunds, when won; its history says so when lost) and tells {@code dispute.closed}. Every
 * apply is idempotent (the provider's refund reference, its dispute id, an OPEN dispute closes
 * once), so the same fact from an event and from a backstop is recorded once.
 */
public final class ProviderFacts {
  private static final Logger log = LoggerFactory.getLogger(ProviderFacts.class);
  static final String PROVIDER = InvoiceTransition.Actor.PROVIDER.fixedName();

  /** How one fact was taken. Only APPLIED changed anything. */
  public enum Result {
    /** Recorded now. */
    APPLIED,
    /** Charon had it already (an earlier event, the backstop, or its own record). */
    KNOWN,
    /** One of Charon's own refunds (its key): the refund executor records it. */
    OURS,
    /** About an invoice, charge or dispute Charon does not know. */
    UNMATCHED,
    /** Known, but nothing to do in the invoice's state (the reason says why). */
    NOT_APPLICABLE
  }

  public record Outcome(Result result, String detail) {
    public boolean applied() {
      return result == Result.APPLIED;
    }
  }

  /**
   * A refund the provider reports. {@code key}: the idempotency key it was made with, when the
   * provider tells (Charon's own carry theirs); {@code reportedBy} names the path in history.
   */
  public record ExternalRefund(
      String reference,
      long invoiceId,
      Money amount,
      String key,
      String reason,
      String reportedBy) {}

  /** A dispute the provider reports; {@code status}: open, won or lost. */
  public record ExternalDispute(
      String disputeId, long invoiceId, Money amount, String status, String reportedBy) {}

  private final Jdbi jdbi;
  private final RefundStore store;
  private final Clock clock;
  private final MeterRegistry metrics;

  public ProviderFacts(Jdbi jdbi, Clock clock, MeterRegistry metrics) {
    this.jdbi = jdbi;
    this.store = new RefundStore(jdbi, new CreditNotes(jdbi, metrics));
    this.clock = clock;
    this.metrics = metrics;
  }

  /**
   * The invoice a provider payment reference belongs to: the attempt that charged it ({@code ch_},
   * {@code pi_}, the gateway's charge id), or the latest attempt when several name it.
   */
  public Optional<Long> invoiceOfPayment(String... references) {
    for (var reference : references) {
      if (reference == null || reference.isBlank()) {
        continue;
      }
      var invoice =
          jdbi.withHandle(
              h ->
                  h.createQuery(
                          """
                          select invoice_id from charge_attempt where provider_reference = :ref
                          order by id desc limit 1""")
                      .bind("ref", reference)
                      .mapTo(Long.class)
                      .findOne());
      if (invoice.isPresent()) {
        return invoice;
      }
    }
    return Optional.empty();
  }

  public Outcome refund(ExternalRefund r) {
    var outcome = applyRefund(r);
    count("refund", outcome.result());
    switch (outcome.result()) {
      case APPLIED ->
          log.info(
              "refund {} of invoice {} made at the provider, reported by {}: {}",
              r.reference(),
              r.invoiceId(),
              r.reportedBy(),
              outcome.detail());
      case UNMATCHED, NOT_APPLICABLE ->
          log.warn(
              "refund {} of invoice {} ({}) reported by {} not applied: {}",
              r.reference(),
              r.invoiceId(),
              r.amount(),
              r.reportedBy(),
              outcome.detail());
      default -> log.debug("refund {} reported by {}: {}", r.reference(), r.reportedBy(), outcome);
    }
    return outcome;
  }

  private Outcome applyRefund(ExternalRefund r) {
    if (r.key() != null
        && jdbi.withHandle(
            h ->
                h.createQuery("select exists (select 1 from refund where idempotency_key = :key)")
                    .bind("key", r.key())
                    .mapTo(Boolean.class)
                    .one())) {
      return new Outcome(Result.OURS, "Charon's own refund " + r.key());
    }
    if (!invoiceExists(r.invoiceId())) {
      return new Outcome(Result.UNMATCHED, "Charon has no invoice " + r.invoiceId());
    }
    try {
      return store
          .recordExternal(
              r.invoiceId(),
              r.amount(),
              r.reference(),
              "refunded at the provider: " + (r.reason() == null ? "no reason given" : r.reason()),
              PROVIDER,
              r.reportedBy(),
              clock.instant())
          .map(
              s ->
                  new Outcome(
                      Result.APPLIED,
                      r.amount()
                          + ", invoice "
                          + s.invoiceStatus()
                          + ", credit note "
                          + s.note().number()))
          .orElseGet(() -> new Outcome(Result.KNOWN, "refund " + r.reference() + " recorded"));
    } catch (IllegalStateException e) {
      return new Outcome(Result.NOT_APPLICABLE, e.getMessage());
    }
  }

  /**
   * Opens (status open) or closes (won, lost) a dispute. A close whose opening Charon never heard
   * of opens it first, so the invoice's history still shows both.
   */
  public Outcome dispute(ExternalDispute d) {
    var outcome = applyDispute(d);
    count("dispute_" + d.status(), outcome.result());
    if (outcome.applied()) {
      log.info(
          "dispute {} of invoice {} {} at the provider, reported by {}",
          d.disputeId(),
          d.invoiceId(),
          d.status(),
          d.reportedBy());
    } else if (outcome.result() != Result.KNOWN) {
      log.warn(
          "dispute {} of invoice {} ({}) reported by {} not applied: {}",
          d.disputeId(),
          d.invoiceId(),
          d.status(),
          d.reportedBy(),
          outcome.detail());
    }
    return outcome;
  }

  private Outcome applyDispute(ExternalDispute d) {
    if (!invoiceExists(d.invoiceId())) {
      return new Outcome(Result.UNMATCHED, "Charon has no invoice " + d.invoiceId());
    }
    var now = Timestamp.from(clock.instant());
    var status = d.status().toLowerCase(Locale.ROOT);
    if (!status.equals("open") && !status.equals("won") && !status.equals("lost")) {
      return new Outcome(Result.NOT_APPLICABLE, "a dispute status Charon does not know: " + status);
    }
    int opened =
        jdbi.inTransaction(
            h ->
                h.createUpdate(SqlFiles.get("refund/dispute-open"))
                    .bind("dispute", d.disputeId())
                    .bind("amount", d.amount().minorUnits())
                    .bind("currency", d.amount().currency().name())
                    .bind("now", now)
                    .bind("invoice", d.invoiceId())
                    .bind("reason", "dispute " + d.disputeId() + " opened at the provider")
                    .execute());
    if (status.equals("open")) {
      return opened > 0
          ? new Outcome(Result.APPLIED, "invoice DISPUTED")
          : new Outcome(Result.KNOWN, "dispute " + d.disputeId() + " known");
    }
    int closed =
        jdbi.inTransaction(
            h ->
                h.createQuery(SqlFiles.get("refund/dispute-close"))
                    .bind("status", status.toUpperCase(Locale.ROOT))
                    .bind("now", now)
                    .bind("dispute", d.disputeId())
                    .bind(
                        "reason",
                        "dispute "
                            + d.disputeId()
                            + " "
                            + status
                            + " at the provider"
                            + (status.equals("lost") ? ": the amount is off the books" : ""))
                    .mapTo(Integer.class)
                    .one());
    return closed > 0
        ? new Outcome(Result.APPLIED, "dispute " + status)
        : new Outcome(Result.KNOWN, "dispute " + d.disputeId() + " already closed");
  }

  private boolean invoiceExists(long invoiceId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select exists (select 1 from invoice where id = :id)")
                .bind("id", invoiceId)
                .mapTo(Boolean.class)
                .one());
  }

  private void count(String fact, Result result) {
    Counter.builder("charon.provider.facts")
        .description("Refunds and disputes made at the provider, by how they were taken")
        .tag("fact", fact)
        .tag("result", result.name().toLowerCase(Locale.ROOT))
        .register(metrics)
        .increment();
  }
}
