package dev.charon.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.charon.refund.Refunds;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The money-back path under load (issue 26, for issue 24's refunds): after a charge run, a worker
 * of the measured jar refunds the invoices it charged (at most {@value #AT_MOST}), in full, through
 * the same gateway. The refunds are requested as the API requests them ({@link Refunds#request},
 * one transaction per 500), from the harness, inside the window, so PostgreSQL's cost of requesting
 * is counted and the harness's own JVM is measured as {@code requester} but not counted as
 * Charon's; the worker's refund executor then claims, calls and records them. The figures go under
 * {@code refund}: refunds per second (first requested to last settled, on the database's clock),
 * CPU-ms per refund by process (the {@code cpu_ms_per_invoice} keys, per refund here) and row
 * writes per refund.
 */
final class RefundRun {
  private static final int REQUEST_BATCH = 500;
  // Enough for a steady rate and a warm worker; more only lengthens a repeated medium run.
  private static final int AT_MOST = 5_000;

  private RefundRun() {}

  static ObjectNode run(
      Context ctx, ChargeRun.Started started, String db, int concurrency, String scenario) {
    var node = Bench.JSON.createObjectNode();
    node.put("unit", "refund");
    var worker = started.unrecordedWorker("refund-worker", concurrency);
    started.awaitWorkers();
    var jdbi = Jdbi.create(ctx.cluster.sql.url(db), "postgres", "");
    var paid =
        jdbi.withHandle(
            h ->
                h.createQuery("select id from invoice where status = 'PAID' order by id limit :n")
                    .bind("n", AT_MOST)
                    .mapTo(Long.class)
                    .list());
    Bench.log("%s: refunding %,d paid invoices (load %s)", scenario, paid.size(), Cpu.loadavg());
    var before = Writes.snapshot(ctx.cluster.sql, db);
    var window =
        new Window(
                Map.of(
                    "workers",
                    List.of(worker.pid()),
                    "gateway",
                    List.of(started.gateway.pid()),
                    // The harness itself requests the refunds: measured (not another process's
                    // load), and not Charon's cost.
                    "requester",
                    List.of(ProcessHandle.current().pid())),
                ctx.cluster.postmasterPid(),
                db)
            .open();
    // One log line per refund is the API's; here it would only fill the harness's output.
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Refunds.class))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    var refunds = new Refunds(jdbi, new SimpleMeterRegistry());
    for (int from = 0; from < paid.size(); from += REQUEST_BATCH) {
      var batch = paid.subList(from, Math.min(paid.size(), from + REQUEST_BATCH));
      jdbi.useTransaction(
          h -> {
            for (long id : batch) {
              refunds.request(h, id, Optional.empty(), "benchmark", "bench");
            }
          });
    }
    long deadline =
        System.nanoTime() + Duration.ofMinutes(Math.max(5, paid.size() / 200)).toNanos();
    long open;
    while ((open = open(ctx, db)) > 0) {
      if (System.nanoTime() > deadline) {
        window.close();
        node.put("error", open + " refunds still open when the wait ran out");
        return node;
      }
      Procs.sleep(100);
    }
    window.close();
    started.stopWorkers();
    Procs.sleep(1500); // the backends' table statistics reach pg_stat_user_tables when they exit
    var row =
        ctx.cluster
            .sql
            .rows(
                db,
                """
                select count(*) filter (where status = 'SUCCEEDED') as succeeded, count(*) as refunds,
                       coalesce(extract(epoch from max(settled_at) - min(created_at)), 0)::float8 as span
                from refund""")
            .get(0);
    long succeeded = ((Number) row.get("succeeded")).longValue();
    double span = ((Number) row.get("span")).doubleValue();
    node.put("refunds", ((Number) row.get("refunds")).longValue());
    node.put("succeeded", succeeded);
    node.put("span_s", Bench.round(span, 2));
    node.put("refunds_per_s", span > 0 ? Bench.round(succeeded / span, 0) : 0);
    window.write(node, succeeded, List.of("workers"));
    Writes.write(node, before, Writes.snapshot(ctx.cluster.sql, db), succeeded);
    Bench.log(
        "%s: %s refunds/s, Charon %s CPU-ms/refund",
        scenario, node.path("refunds_per_s"), node.path("cpu_ms_per_invoice").path("charon"));
    return node;
  }

  private static long open(Context ctx, String db) {
    return ctx.cluster.sql.number(
        db,
        PgStatements.HARNESS
            + "select count(*) from refund where status in ('REQUESTED', 'UNKNOWN')");
  }
}
