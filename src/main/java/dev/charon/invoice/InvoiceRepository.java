package dev.charon.invoice;

import dev.charon.invoice.domain.HistoryEntry;
import dev.charon.invoice.domain.Invoice;
import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Reads invoices, their history and their charge attempts. */
public final class InvoiceRepository {
  // The amount lost in disputes is read from the disputes themselves (one probe of dispute's
  // invoice index per row), so no second copy of it can drift; an insert or update may return it.
  static final String COLUMNS =
      """
      id, customer_id, amount_minor, currency, status, billing_period, due_date, created_at,
      updated_at, paid_at, attempt_count, next_attempt_at, last_failure, version, credited_minor,
      refunded_minor,
      (select coalesce(sum(d.amount_minor), 0) from dispute d
       where d.invoice_id = invoice.id and d.status = 'LOST') as lost_in_disputes_minor""";

  private final Jdbi jdbi;

  public InvoiceRepository(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  public Optional<Invoice> find(long id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select " + COLUMNS + " from invoice where id = :id")
                .bind("id", id)
                .map((rs, ctx) -> map(rs))
                .findOne());
  }

  /** Invoices with id greater than {@code after} matching the filter, in id order. */
  public List<Invoice> list(InvoiceFilter filter, long after, int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select %s from invoice
                    where id > :after
                      and (cast(:status as text) is null or status = :status)
                      and (cast(:customer as bigint) is null or customer_id = :customer)
                      and (cast(:period as text) is null or billing_period = :period)
                    order by id
                    limit :limit
                    """
                        .formatted(COLUMNS))
                .bind("after", after)
                .bind("status", filter.status().map(Enum::name).orElse(null))
                .bind("customer", filter.customerId().orElse(null))
                .bind("period", filter.period().map(YearMonth::toString).orElse(null))
                .bind("limit", limit)
                .map((rs, ctx) -> map(rs))
                .list());
  }

  /** The invoice's status changes, oldest first. */
  public List<HistoryEntry> history(long invoiceId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select id, invoice_id, old_status, new_status, reason, actor, at
                    from invoice_history where invoice_id = :id order by id
                    """)
                .bind("id", invoiceId)
                .map(
                    (rs, ctx) ->
                        new HistoryEntry(
                            rs.getLong("id"),
                            rs.getLong("invoice_id"),
                            Optional.ofNullable(rs.getString("old_status"))
                                .map(InvoiceStatus::valueOf)
                                .orElse(null),
                            InvoiceStatus.valueOf(rs.getString("new_status")),
                            rs.getString("reason"),
                            rs.getString("actor"),
                            instant(rs, "at")))
                .list());
  }

  /**
   * The invoice's charge attempts, oldest first: what was sent to the provider and what came back.
   */
  public List<ChargeAttempt> attempts(long invoiceId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select attempt_no, idempotency_key, amount_minor, currency, outcome, provider_reference,
                           detail, worker, calls, created_at, completed_at, decline_code,
                           card_brand, advice_code, network_advice_code, network_decline_code
                    from charge_attempt where invoice_id = :id order by attempt_no
                    """)
                .bind("id", invoiceId)
                .map(
                    (rs, ctx) ->
                        new ChargeAttempt(
                            rs.getInt("attempt_no"),
                            rs.getString("idempotency_key"),
                            Money.ofMinor(
                                rs.getLong("amount_minor"),
                                Currency.valueOf(rs.getString("currency"))),
                            rs.getString("outcome"),
                            rs.getString("provider_reference"),
                            rs.getString("detail"),
                            rs.getString("worker"),
                            rs.getInt("calls"),
                            instant(rs, "created_at"),
                            instant(rs, "completed_at"),
                            rs.getString("decline_code"),
                            rs.getString("card_brand"),
                            rs.getString("advice_code"),
                            rs.getString("network_advice_code"),
                            rs.getString("network_decline_code")))
                .list());
  }

  static Invoice map(ResultSet rs) throws SQLException {
    return new Invoice(
        rs.getLong("id"),
        rs.getLong("customer_id"),
        Money.ofMinor(rs.getLong("amount_minor"), Currency.valueOf(rs.getString("currency"))),
        InvoiceStatus.valueOf(rs.getString("status")),
        YearMonth.parse(rs.getString("billing_period")),
        rs.getObject("due_date", java.time.LocalDate.class),
        instant(rs, "created_at"),
        instant(rs, "updated_at"),
        instant(rs, "paid_at"),
        rs.getInt("attempt_count"),
        instant(rs, "next_attempt_at"),
        rs.getString("last_failure"),
        rs.getLong("version"),
        rs.getLong("credited_minor"),
        rs.getLong("refunded_minor"),
        rs.getLong("lost_in_disputes_minor"));
  }

  static Instant instant(ResultSet rs, String column) throws SQLException {
    Timestamp value = rs.getTimestamp(column);
    return value == null ? null : value.toInstant();
  }
}
