package dev.charon.invoice;

import dev.charon.api.HttpApi;
import dev.charon.api.Query;
import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code GET /rest/v1/collection}: per billing period (the last {@code periods}, oldest first, up
 * to the current one in the billing zone) what was billed and collected per currency and the
 * collection rate and the declined attempts by decline code; plus invoice counts by status and how
 * many need an operator.
 */
public final class CollectionRoutes implements HttpApi.Module {
  static final int DEFAULT_PERIODS = 12;

  private final CollectionStats stats;
  private final Clock clock;
  private final ZoneId zone;

  public CollectionRoutes(CollectionStats stats, Clock clock, ZoneId zone) {
    this.stats = stats;
    this.clock = clock;
    this.zone = zone;
  }

  /**
   * One period. Amounts are decimal strings in the currency's scale. {@code collectionRate} is paid
   * / (invoices - voided), 0..1 with 4 places, null when nothing in the period is collectible.
   */
  record PeriodView(
      String period,
      long invoices,
      long paid,
      long voided,
      BigDecimal collectionRate,
      Map<String, String> billed,
      Map<String, String> collected,
      Map<String, Long> declinesByCode) {}

  /**
   * {@code needsAction} counts ACTION_REQUIRED and UNCOLLECTIBLE invoices: the console's work list.
   */
  record CollectionView(
      String currentPeriod,
      Map<String, Long> invoicesByStatus,
      long needsAction,
      List<PeriodView> periods) {}

  @Override
  public void routes(RoutesConfig routes) {
    routes.get("/rest/v1/collection", this::collection);
  }

  private void collection(Context ctx) {
    var query = Query.of(ctx, Set.of("periods"));
    int count =
        query
            .matching("periods", "[1-9]|[1-9][0-9]|1[01][0-9]|120", "an integer from 1 to 120")
            .map(Integer::parseInt)
            .orElse(DEFAULT_PERIODS);
    query.validate();
    var current = YearMonth.now(clock.withZone(zone));
    var first = current.minusMonths(count - 1L);
    var report = stats.report(first, current);
    var rows = report.rows();
    var declines = report.declines();
    var periods = new ArrayList<PeriodView>();
    for (var period = first; !period.isAfter(current); period = period.plusMonths(1)) {
      var p = period;
      periods.add(
          view(
              p,
              rows.stream().filter(r -> r.period().equals(p)).toList(),
              declines.getOrDefault(p, Map.of())));
    }
    var byStatus = new LinkedHashMap<String, Long>();
    report.byStatus().forEach((status, n) -> byStatus.put(status.name(), n));
    long needsAction =
        byStatus.get(InvoiceStatus.ACTION_REQUIRED.name())
            + byStatus.get(InvoiceStatus.UNCOLLECTIBLE.name());
    ctx.json(new CollectionView(current.toString(), byStatus, needsAction, periods));
  }

  private static PeriodView view(
      YearMonth period, List<CollectionStats.Row> rows, Map<String, Long> declines) {
    long invoices = 0, paid = 0, voided = 0;
    var billed = new TreeMap<String, String>();
    var collected = new TreeMap<String, String>();
    for (var row : rows) {
      invoices += row.invoices();
      paid += row.paid();
      voided += row.voided();
      billed.put(row.currency(), decimal(row.currency(), row.billedMinor()));
      collected.put(row.currency(), decimal(row.currency(), row.collectedMinor()));
    }
    long collectible = invoices - voided;
    var rate =
        collectible == 0
            ? null
            : BigDecimal.valueOf(paid)
                .divide(BigDecimal.valueOf(collectible), 4, RoundingMode.HALF_UP);
    return new PeriodView(
        period.toString(), invoices, paid, voided, rate, billed, collected, declines);
  }

  private static String decimal(String code, long minor) {
    return Money.ofMinor(minor, Currency.valueOf(code)).toDecimal().toPlainString();
  }
}
