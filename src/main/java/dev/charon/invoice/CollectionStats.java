package dev.charon.invoice;

import dev.charon.invoice.domain.InvoiceStatus;
import java.time.YearMonth;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * What was billed and collected per billing period, and where all invoices stand: the numbers an
 * operator looks at first. Money is summed per currency, never across currencies.
 */
public final class CollectionStats {
  private final Jdbi jdbi;

  public CollectionStats(Jdbi jdbi) {
    this.jdbi = jdbi;
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
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select billing_period, currency,
                           count(*)                                          as invoices,
                           count(*) filter (where status = 'PAID')           as paid,
                           count(*) filter (where status = 'VOID')           as voided,
                           coalesce(sum(amount_minor) filter (where status <> 'VOID'), 0)  as billed_minor,
                           coalesce(sum(amount_minor) filter (where status = 'PAID'), 0)   as collected_minor
                    from invoice
                    where billing_period between :first and :last
                    group by billing_period, currency
                    order by billing_period, currency
                    """)
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
                .list());
  }

  /**
   * Declined attempts per billing period and decline code, for the periods from {@code first} to
   * {@code last} (a decline without a code counts as {@code unknown}).
   */
  public Map<YearMonth, Map<String, Long>> declinesByCode(YearMonth first, YearMonth last) {
    var result = new java.util.TreeMap<YearMonth, Map<String, Long>>();
    jdbi.useHandle(
        h ->
            h.createQuery(
                    """
                    select i.billing_period, coalesce(a.decline_code, 'unknown') as code, count(*) as n
                    from charge_attempt a join invoice i on i.id = a.invoice_id
                    where a.outcome = 'DECLINED' and i.billing_period between :first and :last
                    group by 1, 2
                    """)
                .bind("first", first.toString())
                .bind("last", last.toString())
                .map(
                    (rs, ctx) ->
                        new Object[] {
                          YearMonth.parse(rs.getString(1)), rs.getString(2), rs.getLong(3)
                        })
                .forEach(
                    r ->
                        result
                            .computeIfAbsent((YearMonth) r[0], k -> new java.util.TreeMap<>())
                            .put((String) r[1], (Long) r[2])));
    return result;
  }

  /** How many invoices are in each status, over all periods; every status is present. */
  public Map<InvoiceStatus, Long> byStatus() {
    var counts = new EnumMap<InvoiceStatus, Long>(InvoiceStatus.class);
    for (var status : InvoiceStatus.values()) {
      counts.put(status, 0L);
    }
    jdbi.useHandle(
        h ->
            h.createQuery("select status, count(*) as n from invoice group by status")
                .map(
                    (rs, ctx) ->
                        Map.entry(InvoiceStatus.valueOf(rs.getString("status")), rs.getLong("n")))
                .forEach(e -> counts.put(e.getKey(), e.getValue())));
    return counts;
  }
}
