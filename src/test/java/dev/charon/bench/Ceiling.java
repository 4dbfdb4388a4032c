package dev.charon.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The database ceiling: pgbench runs the engine's own charging SQL ({@link CeilingScript}) on a
 * fresh copy of the same template the end-to-end scenario charges, with the provider call left out
 * and no JVM. One pgbench transaction is one batch of {@code batch} invoices.
 */
final class Ceiling {
  private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");
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

  ObjectNode run() {
    var name = "ceiling_c" + clients;
    Bench.log("%s: pgbench, %,d invoices, %d clients, batch %d (load %s)", name, invoices, clients, batch, Cpu.loadavg());
    var node = Bench.JSON.createObjectNode();
    node.put("kind", "ceiling");
    node.put("invoices", invoices);
    node.put("clients", clients);
    node.put("batch", batch);
    var db = ctx.freshDatabase(name, invoices);
    try {
      var script = ctx.out.resolve(name + ".pgbench");
      var produce = ctx.out.resolve(name + ".produce.sql");
      Files.writeString(script, CeilingScript.charge());
      Files.writeString(produce, CeilingScript.produce());
      node.put("script", ctx.root.relativize(script).toString());
      var psql = ctx.procs.run(name + ".produce", Map.of(), List.of(ctx.cluster.bin("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
          "-h", "127.0.0.1", "-p", String.valueOf(ctx.cluster.port), "-U", "postgres", "-d", db, "-f", produce.toString()), Duration.ofMinutes(30));
      if (psql.exit() != 0) {
        throw new IllegalStateException("producing the ceiling's run failed: " + psql.lastLine());
      }
      int perClient = (int) Math.ceil((double) invoices / clients / batch);
      var window = new Window(Map.of(), ctx.cluster.postmasterPid(), db).open();
      var bench = ctx.procs.run(name + ".pgbench", Map.of(), List.of(ctx.cluster.bin("pgbench"), "-h", "127.0.0.1",
          "-p", String.valueOf(ctx.cluster.port), "-U", "postgres", "-n", "-M", "prepared", "-c", String.valueOf(clients),
          "-j", String.valueOf(clients), "-t", String.valueOf(perClient), "-D", "batch=" + batch, "-f", script.toString(), db),
          Duration.ofMinutes(60));
      window.close();
      window.add("pgbench", bench.cpuSeconds());
      if (bench.exit() != 0) {
        throw new IllegalStateException("pgbench exited " + bench.exit() + " (log: " + bench.log() + ")");
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
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      ctx.drop(db);
    }
    Bench.log("%s: %s invoices/s", name, node.path("invoices_per_s"));
    return node;
  }
}
