package dev.charon.refund;

import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.refund.domain.Refund;
import dev.charon.refund.domain.RefundStatus;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

/** The refund table's columns and how a row becomes a {@link Refund}. */
final class RefundRows {
  static final String COLUMNS =
      """
      id, invoice_id, refund_no, customer_id, amount_minor, currency, reason, actor, status, source,
      idempotency_key, provider_reference, failure_code, failure, calls, next_attempt_at,
      created_at, settled_at""";

  private RefundRows() {}

  static Refund map(ResultSet rs) throws SQLException {
    return new Refund(
        rs.getLong("id"),
        rs.getLong("invoice_id"),
        rs.getInt("refund_no"),
        rs.getLong("customer_id"),
        Money.ofMinor(rs.getLong("amount_minor"), Currency.valueOf(rs.getString("currency"))),
        rs.getString("reason"),
        rs.getString("actor"),
        RefundStatus.valueOf(rs.getString("status")),
        rs.getString("source"),
        rs.getString("idempotency_key"),
        rs.getString("provider_reference"),
        rs.getString("failure_code"),
        rs.getString("failure"),
        rs.getInt("calls"),
        instant(rs, "next_attempt_at"),
        instant(rs, "created_at"),
        instant(rs, "settled_at"));
  }

  static Instant instant(ResultSet rs, String column) throws SQLException {
    Timestamp value = rs.getTimestamp(column);
    return value == null ? null : value.toInstant();
  }
}
