package dev.charon.refund;

import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.refund.domain.Dispute;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Reads the disputes the provider reported (written only by {@link ProviderFacts}): for the
 * console's "Needs action" (the open ones) and an invoice's page.
 */
public final class Disputes {
  private static final String COLUMNS =
      """
      d.id, d.invoice_id, i.customer_id, d.provider_dispute_id, d.amount_minor, d.currency, d.status,
      d.opened_at, d.closed_at""";

  private final Jdbi jdbi;

  public Disputes(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /** The filters of a dispute list; empty means any. */
  public record Filter(Optional<Dispute.Status> status, Optional<Long> invoiceId) {}

  /** Disputes with id greater than {@code after} matching the filter, in id order. */
  public List<Dispute> list(Filter filter, long after, int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select %s from dispute d join invoice i on i.id = d.invoice_id
                    where d.id > :after
                      and (cast(:status as text) is null or d.status = :status)
                      and (cast(:invoice as bigint) is null or d.invoice_id = :invoice)
                    order by d.id
                    limit :limit
                    """
                        .formatted(COLUMNS))
                .bind("after", after)
                .bind("status", filter.status().map(Enum::name).orElse(null))
                .bind("invoice", filter.invoiceId().orElse(null))
                .bind("limit", limit)
                .map((rs, ctx) -> map(rs))
                .list());
  }

  public Optional<Dispute> find(long id) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select %s from dispute d join invoice i on i.id = d.invoice_id where d.id = :id"
                        .formatted(COLUMNS))
                .bind("id", id)
                .map((rs, ctx) -> map(rs))
                .findOne());
  }

  private static Dispute map(ResultSet rs) throws SQLException {
    return new Dispute(
        rs.getLong("id"),
        rs.getLong("invoice_id"),
        rs.getLong("customer_id"),
        rs.getString("provider_dispute_id"),
        Money.ofMinor(rs.getLong("amount_minor"), Currency.valueOf(rs.getString("currency"))),
        Dispute.Status.valueOf(rs.getString("status")),
        RefundRows.instant(rs, "opened_at"),
        RefundRows.instant(rs, "closed_at"));
  }
}
