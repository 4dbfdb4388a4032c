package dev.charon.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.charon.db.SqlFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;

/**
 * The database ceiling: pgbench runs the engine's own charging SQL ({@link CeilingScript}) on a
 * fresh copy of the same template the end-to-end scenario charges, with the provider call left out
 * and no JVM. One pgbench transaction is one batch of {@code batch} invoices.
 */
final class Ceiling {
  private static final Pattern TPS =
      Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");
  private final Context ctx;
  private final int invoices;
  private final int clients;
  private final int batch;

  Ceiling(Context ctx, int invoices, int clients, int batch) {
    this.ctx = ctx;
    this.invoices = invoices;
    this.clients = clients;
    this.batch = batch;
  }

  /**
   * Produces the run with the engine's own production statement (sql/billing/produce.sql from the
   * jar), in batches of 1,000 as DueInvoices does; not timed.
   */
  private long produce(String db) {
    var statement = SqlFiles.statement(CeilingScript.fromJar(ctx.jar, "billing/produce"));
    var jdbi = Jdbi.create(ctx.cluster.sql.url(db), "postgres", "");
    return jdbi.inTransaction(
        h -> {
          long run =
              h.createQuery(
                      """
              insert into billing_run (period, cutoff, started_by, started_at, state)
              values (:period, current_date, 'bench', now(), 'PRODUCING') returning id""")
                  .bind("period", ctx.period)
                  .mapTo(Long.class)
                  .one();
          long total = 0;
          // Since issue 26 the statement offers the invoice row itself and writes the RabbitMQ
          // intake's charge_request only with publish; it counts what it moved. A baseline's jar
          // may hold the earlier statement, an insert into charge_request.
          boolean offersInvoices = statement.contains(":publish");
          for (int n; (n = produceBatch(h, statement, offersInvoices, run)) > 0; ) {
            total += n;
          }
          h.createUpdate("update billing_run set enqueued = :n, state = 'CHARGING' where id = :run")
              .bind("n", total)
              .bind("run", run)
              .execute();
          return total;
        });
  }

  private int produceBatch(
      org.jdbi.v3.core.Handle h, String statement, boolean offersInvoices, long run) {
    if (offersInvoices) {
      return h.createQuery(statement)
          .bind("cutoff", LocalDate.now(ZoneOffset.UTC))
          .bind("period", ctx.period)
          .bind("run", run)
          .bind("batch", 1000)
          .bind("publish", false)
          .mapTo(Integer.class)
          .one();
    }
    return h.createUpdate(statement)
        .bind("cutoff", LocalDate.now(ZoneOffset.UTC))
        .bind("period", ctx.period)
        .bind("run", run)
        .bind("batch", 1000)
        .execute();
  }

  ObjectNode run() {
    var name = "ceiling_c" + clients;
    Bench.log(
        "%s: pgbench, %,d invoices, %d clients, batch %d (load %s)",
        name, invoices, clients, batch, Cpu.loadavg());
    var node = Bench.JSON.createObjectNode();
    node.put("kind", "ceiling");
    node.put("invoices", invoices);
    node.put("clients", clients);
    node.put("batch", batch);
    var db = ctx.freshDatabase(name, invoices);
    try {
      var script = ctx.out.resolve(name + ".pgbench");
      Files.writeString(
          script, CeilingScript.charge(ctx.root.resolve("bench/ceiling.pgbench"), ctx.jar));
      node.put(
          "script",
          "bench/ceiling.pgbench with the jar's sql/ files (expanded: "
              + ctx.root.relativize(script)
              + ")");
      node.put("produced", produce(db));
      int perClient = (int) Math.ceil((double) invoices / clients / batch);
      var before = Writes.snapshot(ctx.cluster.sql, db);
      var statements = PgStatements.start(ctx.cluster, db);
      var window = new Window(Map.of(), ctx.cluster.postmasterPid(), db).open();
      var bench =
          ctx.procs.run(
              name + ".pgbench",
              Map.of(),
              List.of(
                  ctx.cluster.bin("pgbench"),
                  "-h",
                  "127.0.0.1",
                  "-p",
                  String.valueOf(ctx.cluster.port),
                  "-U",
                  "postgres",
                  "-n",
                  "-M",
                  "prepared",
                  "-c",
                  String.valueOf(clients),
                  "-j",
                  String.valueOf(clients),
                  "-t",
                  String.valueOf(perClient),
                  "-D",
                  "max=" + batch,
                  "-D",
                  "owner=pgbench",
                  "-D",
                  "worker=pgbench",
                  "-D",
                  "lease=60000",
                  "-f",
                  script.toString(),
                  db),
              Duration.ofMinutes(60));
      window.close();
      var taken = statements == null ? null : statements.take();
      window.add("pgbench", bench.cpuSeconds());
      if (bench.exit() != 0) {
        throw new IllegalStateException(
            "pgbench exited " + bench.exit() + " (log: " + bench.log() + ")");
      }
      var m = TPS.matcher(Files.readString(bench.log()));
      if (!m.find()) {
        throw new IllegalStateException("no tps in " + bench.log());
      }
      double tps = Double.parseDouble(m.group(1));
      long paid = ctx.cluster.sql.number(db, "select count(*) from invoice where status = 'PAID'");
      double elapsed = clients * (double) perClient / tps;
      node.put("transactions", clients * perClient);
      node.put("batches_per_s", Bench.round(tps, 1));
      node.put("paid", paid);
      node.put("all_paid", paid == invoices);
      node.put("span_s", Bench.round(elapsed, 3));
      node.put("invoices_per_s", Bench.round(paid / elapsed, 0));
      window.write(node, paid, List.of());
      if (taken != null) {
        PgStatements.write(node.putObject("profile"), taken, paid, window);
      }
      Procs.sleep(1500); // pgbench's backends have exited; their statistics arrive shortly
      Writes.write(node, before, Writes.snapshot(ctx.cluster.sql, db), paid);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      ctx.drop(db);
    }
    Bench.log("%s: %s invoices/s", name, node.path("invoices_per_s"));
    return node;
  }
}
