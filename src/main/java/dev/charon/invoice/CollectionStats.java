package dev.charon.invoice;

import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.invoice.domain.StatusSql;
import java.time.YearMonth;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * What was billed and collected per billing period, and where all invoices stand: the numbers an
 * operator looks at first. Money is summed per currency, never across currencies. Read from the
 * tallies ({@link Tallies}), not the invoice table, so a read costs the same on any size of
 * database; exact as of the read's snapshot.
 */
public final class CollectionStats {
  private final Jdbi jdbi;
  private final Tallies tallies;

  public CollectionStats(Jdbi jdbi, Tallies tallies) {
    this.jdbi = jdbi;
    this.tallies = tallies;
  }

  /** Every figure of the collection report, read in one snapshot. */
  public record Report(
      List<Row> rows,
      Map<YearMonth, Map<String, Long>> declines,
      Map<InvoiceStatus, Long> byStatus) {}

  /**
   * {@link #byPeriod}, {@link #declinesByCode} and {@link #byStatus} in one repeatable-read
   * transaction, after folding the tallies' deltas if this process has not done so for a second.
   */
  public Report report(YearMonth first, YearMonth last) {
    tallies.compactIfDue();
    return jdbi.inTransaction(
        org.jdbi.v3.core.transaction.TransactionIsolationLevel.REPEATABLE_READ,
        h -> new Report(byPeriod(h, first, last), declinesByCode(h, first, last), byStatus(h)));
  }

  /** One billing period in one currency. */
  public record Row(
      YearMonth period,
      String currency,
      long invoices,
      long paid,
      long voided,
      long billedMinor,
      long collectedMinor) {}

  /**
   * Per period and currency, for the periods from {@code first} to {@code last}; periods without
   * invoices have no rows.
   */
  public List<Row> byPeriod(YearMonth first, YearMonth last) {
    return jdbi.withHandle(h -> byPeriod(h, first, last));
  }

  // Refunded and disputed invoices were paid: collected counts them gross, before refunds (the
  // refunds are in GET /rest/v1/refunds).
  private static final String BY_PERIOD =
      StatusSql.render(
              """
              select billing_period, currency,
                     sum(invoices)::bigint                                                    as invoices,
                     coalesce(sum(invoices) filter (where status in (${status.PAID,PARTIALLY_REFUNDED,REFUNDED,DISPUTED})), 0)::bigint
                                                                                              as paid,
                     coalesce(sum(invoices) filter (where status = ${status.VOID}), 0)::bigint as voided,
                     coalesce(sum(amount_minor) filter (where status <> ${status.VOID}), 0)::bigint
                                                                                              as billed_minor,
                     coalesce(sum(amount_minor) filter (where status in (${status.PAID,PARTIALLY_REFUNDED,REFUNDED,DISPUTED})), 0)::bigint
                                                                                              as collected_minor
              from %s t
              where billing_period between :first and :last
              group by billing_period, currency
              having sum(invoices) <> 0
              order by billing_period, currency
              """)
          .formatted(Tallies.INVOICES);

  private static List<Row> byPeriod(Handle h, YearMonth first, YearMonth last) {
    return h.createQuery(BY_PERIOD)
        .bind("first", first.toString())
        .bind("last", last.toString())
        .map(
            (rs, ctx) ->
                new Row(
                    YearMonth.parse(rs.getString("billing_period")),
                    rs.getString("currency"),
                    rs.getLong("invoices"),
                    rs.getLong("paid"),
                    rs.getLong("voided"),
                    rs.getLong("billed_minor"),
                    rs.getLong("collected_minor")))
        .list();
  }

  /**
   * Declined attempts per billing period and decline code, for the periods from {@code first} to
   * {@code last} (a decline without a code counts as {@code unknown}).
   */
  public Map<YearMonth, Map<String, Long>> declinesByCode(YearMonth first, YearMonth last) {
    return jdbi.withHandle(h -> declinesByCode(h, first, last));
  }

  private static Map<YearMonth, Map<String, Long>> declinesByCode(
      Handle h, YearMonth first, YearMonth last) {
    var result = new java.util.TreeMap<YearMonth, Map<String, Long>>();
    h.createQuery(
            """
                    select billing_period, code, sum(attempts)::bigint as n
                    from %s t
                    where billing_period between :first and :last
                    group by 1, 2
                    having sum(attempts) <> 0
                    """
                .formatted(Tallies.DECLINES))
        .bind("first", first.toString())
        .bind("last", last.toString())
        .map(
            (rs, ctx) ->
                new Object[] {YearMonth.parse(rs.getString(1)), rs.getString(2), rs.getLong(3)})
        .forEach(
            r ->
                result
                    .computeIfAbsent((YearMonth) r[0], k -> new java.util.TreeMap<>())
                    .put((String) r[1], (Long) r[2]));
    return result;
  }

  /** How many invoices are in each status, over all periods; every status is present. */
  public Map<InvoiceStatus, Long> byStatus() {
    return jdbi.withHandle(CollectionStats::byStatus);
  }

  private static Map<InvoiceStatus, Long> byStatus(Handle h) {
    var counts = new EnumMap<InvoiceStatus, Long>(InvoiceStatus.class);
    for (var status : InvoiceStatus.values()) {
      counts.put(status, 0L);
    }
    h.createQuery(
            "select status, sum(invoices)::bigint as n from %s t group by status"
                .formatted(Tallies.INVOICES))
        .map((rs, ctx) -> Map.entry(InvoiceStatus.valueOf(rs.getString("status")), rs.getLong("n")))
        .forEach(e -> counts.put(e.getKey(), e.getValue()));
    return counts;
  }
}
