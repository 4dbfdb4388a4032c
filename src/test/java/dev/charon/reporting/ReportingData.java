package dev.charon.reporting;

import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.money.Currency;
import dev.charon.testing.Fixtures;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/** Hand-built billing history for the reporting views: runs, invoices in states, attempts. */
final class ReportingData {
  private final Jdbi jdbi;
  private final Fixtures fixtures;
  private int keys;

  ReportingData(Jdbi jdbi) {
    this.jdbi = jdbi;
    this.fixtures = new Fixtures(jdbi);
  }

  long run(String period, String state) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    insert into billing_run (period, state, cutoff, started_by, enqueued, started_at, finished_at)
                    values (:period, :state, (:period || '-01')::date, 'test', 0, now(),
                            case when :state = 'FINISHED' then now() end)
                    returning id
                    """)
                .bind("period", period)
                .bind("state", state)
                .mapTo(Long.class)
                .one());
  }

  long invoice(Currency currency, long amountMinor, InvoiceStatus status, String period) {
    return fixtures
        .invoice()
        .in(currency)
        .amount(amountMinor)
        .status(status)
        .period(YearMonth.parse(period))
        .create();
  }

  long invoiceInRun(long runId, Currency currency, long amountMinor, InvoiceStatus status) {
    long id = invoice(currency, amountMinor, status, period(runId));
    update(id, "billing_run_id = " + runId);
    return id;
  }

  /** Completed attempts, numbered 1.. in the order given (CHARGED gets a provider reference). */
  void attempts(long invoiceId, String... outcomes) {
    for (int i = 0; i < outcomes.length; i++) {
      int no = i + 1;
      String outcome = outcomes[i];
      String key = "rep-" + invoiceId + "-" + no + "-" + (keys++);
      jdbi.useHandle(
          h ->
              h.createUpdate(
                      """
                      insert into charge_attempt (invoice_id, attempt_no, idempotency_key, amount_minor, currency,
                                                  outcome, provider_reference, worker, calls, completed_at)
                      select id, :no, :key, amount_minor, currency, :outcome,
                             case when :outcome = 'CHARGED' then 'ch_' || :key end, 'test', 1, now()
                      from invoice where id = :invoice
                      """)
                  .bind("no", no)
                  .bind("key", key)
                  .bind("outcome", outcome)
                  .bind("invoice", invoiceId)
                  .execute());
    }
  }

  /** {@code set} is an SQL assignment list for the invoice, e.g. {@code "last_failure = 'x'"}. */
  void update(long invoiceId, String set) {
    jdbi.useHandle(
        h ->
            h.createUpdate("update invoice set " + set + " where id = :id")
                .bind("id", invoiceId)
                .execute());
  }

  /**
   * Rows of a query as lists of JDBC values (bigint → Long, numeric → BigDecimal, text → String).
   */
  List<List<Object>> rows(String sql) {
    return jdbi.withHandle(h -> h.createQuery(sql).map((rs, ctx) -> row(rs)).list());
  }

  private static List<Object> row(ResultSet rs) throws SQLException {
    var values = new ArrayList<Object>();
    for (int c = 1; c <= rs.getMetaData().getColumnCount(); c++) {
      values.add(rs.getObject(c));
    }
    return values;
  }

  private String period(long runId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select period from billing_run where id = :id")
                .bind("id", runId)
                .mapTo(String.class)
                .one());
  }
}
