package dev.charon.credit;

import dev.charon.credit.domain.CreditNote;
import dev.charon.domain.Refused;
import dev.charon.invoice.InvoiceMoney;
import dev.charon.invoice.domain.Refundable;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issues and reads credit notes. A note's number is {@code CN-<year>-<nnnnnn>}, gapless per series
 * and year: the counter row is incremented in the transaction that inserts the note, so concurrent
 * issuers queue on it and a rolled-back note gives its number back. Notes are never changed (a
 * trigger refuses it); the insert's trigger writes {@code credit_note.created} to the event outbox.
 */
public final class CreditNotes {
  public static final String SERIES = "CN";
  private static final Logger log = LoggerFactory.getLogger(CreditNotes.class);
  static final String COLUMNS =
      "id, number, kind, invoice_id, refund_id, customer_id, amount_minor, currency, reason, actor, issued_at";

  private static final String ISSUE =
      """
      with numbered as (
        insert into credit_note_counter as c (series, year, last_no)
        values (:series, extract(year from charon_now() at time zone 'UTC')::int, 1)
        on conflict (series, year) do update set last_no = c.last_no + 1
        returning series, year, last_no)
      insert into credit_note (number, series, year, seq, kind, invoice_id, refund_id, customer_id,
                               amount_minor, currency, reason, actor)
      select series || '-' || year || '-' || lpad(last_no::text, 6, '0'), series, year, last_no,
             :kind, :invoice, :refund, :customer, :amount, :currency, :reason, :actor
      from numbered
      returning %s
      """
          .formatted(COLUMNS);

  private final Jdbi jdbi;
  private final MeterRegistry metrics;

  public CreditNotes(Jdbi jdbi, MeterRegistry metrics) {
    this.jdbi = jdbi;
    this.metrics = metrics;
  }

  /** A note to issue in the caller's transaction; the refund is null for a credit. */
  public record NewNote(
      CreditNote.Kind kind,
      long invoiceId,
      Long refundId,
      long customerId,
      Money amount,
      String reason,
      String actor) {}

  /** Issues {@code note} in the caller's transaction (the refund executor's settle, a credit). */
  public CreditNote issue(Handle h, NewNote note) {
    var issued =
        h.createQuery(ISSUE)
            .bind("series", SERIES)
            .bind("kind", note.kind().name())
            .bind("invoice", note.invoiceId())
            .bind("refund", note.refundId())
            .bind("customer", note.customerId())
            .bind("amount", note.amount().minorUnits())
            .bind("currency", note.amount().currency().name())
            .bind("reason", note.reason())
            .bind("actor", note.actor())
            .map((rs, ctx) -> map(rs))
            .one();
    Counter.builder("charon.credit_notes.issued")
        .description("Credit notes issued, by kind")
        .tag("kind", note.kind().name())
        .register(metrics)
        .increment();
    log.info(
        "credit note {} issued for invoice {}: {} ({}) by {}",
        issued.number(),
        issued.invoiceId(),
        issued.amount(),
        issued.kind(),
        issued.actor());
    return issued;
  }

  /**
   * A credit that moves no money: a CREDIT note on the invoice and the same amount on the
   * customer's credit balance, which the customer's next invoice consumes first. Refused (nothing
   * written) when the invoice is unknown or void, the currency differs, or refunds and credits
   * would exceed the invoice.
   */
  public CreditNote credit(Handle h, long invoiceId, Money amount, String reason, String actor) {
    var locked =
        InvoiceMoney.lock(h, invoiceId)
            .orElseThrow(
                () -> new Refused(Refused.Kind.NOT_FOUND, "No invoice with id " + invoiceId));
    return switch (locked.money().credit(amount)) {
      case Refundable.Decision.Reject r ->
          throw new Refused(Refused.Kind.INVALID, r.field(), r.detail());
      case Refundable.Decision.Accept a -> {
        var note =
            issue(
                h,
                new NewNote(
                    CreditNote.Kind.CREDIT,
                    invoiceId,
                    null,
                    locked.customerId(),
                    a.amount(),
                    reason,
                    actor));
        h.createUpdate(
                """
                insert into credit_ledger (customer_id, currency, amount_minor, credit_note_id, invoice_id, reason)
                values (:customer, :currency, :amount, :note, :invoice, :reason)
                """)
            .bind("customer", note.customerId())
            .bind("currency", note.amount().currency().name())
            .bind("amount", note.amount().minorUnits())
            .bind("note", note.id())
            .bind("invoice", invoiceId)
            .bind("reason", "credit note " + note.number())
            .execute();
        yield note;
      }
    };
  }

  public Optional<CreditNote> find(long id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select " + COLUMNS + " from credit_note where id = :id")
                .bind("id", id)
                .map((rs, ctx) -> map(rs))
                .findOne());
  }

  /** Credit notes with id greater than {@code after}, filtered, in id order. */
  public List<CreditNote> list(
      Optional<Long> invoiceId, Optional<Long> customerId, long after, int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select %s from credit_note
                    where id > :after
                      and (cast(:invoice as bigint) is null or invoice_id = :invoice)
                      and (cast(:customer as bigint) is null or customer_id = :customer)
                    order by id
                    limit :limit
                    """
                        .formatted(COLUMNS))
                .bind("after", after)
                .bind("invoice", invoiceId.orElse(null))
                .bind("customer", customerId.orElse(null))
                .bind("limit", limit)
                .map((rs, ctx) -> map(rs))
                .list());
  }

  /** The customer's credit balance per currency (only currencies it ever had credit in). */
  public List<Money> balance(long customerId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select currency, balance_minor from credit_balance where customer_id = :c order by currency")
                .bind("c", customerId)
                .map(
                    (rs, ctx) ->
                        Money.ofMinor(
                            rs.getLong("balance_minor"),
                            Currency.valueOf(rs.getString("currency"))))
                .list());
  }

  static CreditNote map(ResultSet rs) throws SQLException {
    return new CreditNote(
        rs.getLong("id"),
        rs.getString("number"),
        CreditNote.Kind.valueOf(rs.getString("kind")),
        rs.getLong("invoice_id"),
        rs.getObject("refund_id", Long.class),
        rs.getLong("customer_id"),
        Money.ofMinor(rs.getLong("amount_minor"), Currency.valueOf(rs.getString("currency"))),
        rs.getString("reason"),
        rs.getString("actor"),
        rs.getTimestamp("issued_at").toInstant());
  }
}
