package dev.charon.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Figures read from a scenario's database after the run: its own clock, batch sizes, outcomes. */
final class Measure {
  private Measure() {}

  /** Writes throughput, production, batches and statuses; returns the invoices charged. */
  static long outcomes(Sql sql, String db, ObjectNode node) {
    return outcomes(sql, db, node, 0);
  }

  /**
   * As {@link #outcomes(Sql, String, ObjectNode)}, counting only attempts with an id above {@code
   * attemptsAfter} (a database filled with earlier periods' attempts before the run).
   */
  static long outcomes(Sql sql, String db, ObjectNode node, long attemptsAfter) {
    var row =
        sql.rows(
                db,
                """
        select count(*) filter (where outcome = 'CHARGED') as charged, count(*) as attempts,
               coalesce(extract(epoch from max(completed_at) - min(created_at)), 0)::float8 as span
        from charge_attempt where id > %d"""
                    .formatted(attemptsAfter))
            .get(0);
    long charged = ((Number) row.get("charged")).longValue();
    double span = ((Number) row.get("span")).doubleValue();
    node.put("charged", charged);
    node.put("attempts", ((Number) row.get("attempts")).longValue());
    node.put("span_s", Bench.round(span, 3));
    node.put("invoices_per_s", span > 0 ? Bench.round(charged / span, 0) : 0);
    var produced =
        sql.rows(
                db,
                """
        select count(*) as n, coalesce(extract(epoch from max(at) - min(at)), 0)::float8 as span
        from invoice_history where new_status = 'PROCESSING'""")
            .get(0);
    var production = node.putObject("production");
    long n = ((Number) produced.get("n")).longValue();
    double pspan = ((Number) produced.get("span")).doubleValue();
    production.put("invoices", n);
    production.put("span_s", Bench.round(pspan, 3));
    production.put("invoices_per_s", pspan > 0 ? Bench.round(n / pspan, 0) : 0);
    var batches = node.putObject("batches");
    batches.put(
        "open_mean",
        ((Number)
                sql.value(
                    db,
                    "select coalesce(round(avg(n), 1), 0)::float8 from (select worker, created_at, count(*) n from charge_attempt where id > "
                        + attemptsAfter
                        + " group by 1, 2) s"))
            .doubleValue());
    batches.put(
        "record_mean",
        ((Number)
                sql.value(
                    db,
                    "select coalesce(round(avg(n), 1), 0)::float8 from (select worker, completed_at, count(*) n from charge_attempt where completed_at is not null and id > "
                        + attemptsAfter
                        + " group by 1, 2) s"))
            .doubleValue());
    var statuses = node.putObject("statuses");
    for (var s :
        sql.rows(
            db,
            "select status, count(*) as n from invoice where billing_run_id is not null group by 1 order by 1")) {
      statuses.put((String) s.get("status"), ((Number) s.get("n")).longValue());
    }
    return charged;
  }
}
