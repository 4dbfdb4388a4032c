package dev.charon.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One billing run charged end to end: a fresh database of {@code invoices} due invoices, the fake
 * gateway at a fixed latency, {@code workers} worker processes (postgres transport), started and
 * polling before {@code charon bill} produces the run. Throughput is taken from the database's own
 * clock (first attempt opened to last outcome recorded), cost from the CPU of every process.
 */
final class ChargeRun {
  private final Context ctx;
  private final String name;
  private final int invoices;
  private final int workers;
  private final int concurrency;
  private final int latencyMs;

  ChargeRun(Context ctx, String name, int invoices, int workers, int concurrency, int latencyMs) {
    this.ctx = ctx;
    this.name = name;
    this.invoices = invoices;
    this.workers = workers;
    this.concurrency = concurrency;
    this.latencyMs = latencyMs;
  }

  ObjectNode run() {
    var node = Bench.JSON.createObjectNode();
    node.put("kind", "charge");
    node.put("invoices", invoices);
    node.put("workers", workers);
    node.put("concurrency", concurrency);
    node.put("latency_ms", latencyMs);
    node.put("transport", "postgres");
    Bench.log(
        "%s: %,d invoices, %d worker(s) x %d, latency %d ms (load %s)",
        name, invoices, workers, concurrency, latencyMs, Cpu.loadavg());
    var db = ctx.freshDatabase(name, invoices);
    var started = new Started(ctx, name, db, latencyMs, invoices);
    try {
      var workerPids = new ArrayList<Long>();
      for (int i = 1; i <= workers; i++) {
        workerPids.add(started.worker(i, concurrency).pid());
      }
      started.awaitWorkers();
      var before = Writes.snapshot(ctx.cluster.sql, db);
      var window =
          new Window(
                  Map.of("workers", workerPids, "gateway", List.of(started.gateway.pid())),
                  ctx.cluster.postmasterPid(),
                  db)
              .open();
      var bill =
          ctx.procs.run(
              name + ".bill",
              started.env,
              ctx.charon(List.of(), "bill", "--period", ctx.period, "--workers", "0"),
              Duration.ofMinutes(Math.max(5, invoices / 500)),
              () ->
                  ctx.cluster.sql.number(
                      db,
                      "select count(*) from invoice where billing_run_id is not null and status <> 'PROCESSING'"),
              Duration.ofSeconds(120));
      window.close();
      window.add("producer", bill.cpuSeconds());
      node.put("bill_exit", bill.exit());
      node.put("wall_s", Bench.round(bill.wallSeconds(), 2));
      var audit = started.audit();
      started.stopWorkers();
      Procs.sleep(1500); // the backends' table statistics reach pg_stat_user_tables when they exit
      var charged = Measure.outcomes(ctx.cluster.sql, db, node);
      window.write(node, charged, List.of("workers", "producer"));
      Writes.write(node, before, Writes.snapshot(ctx.cluster.sql, db), charged);
      node.put("audit_exit", audit.exit());
      node.put("audit_line", audit.lastLine());
    } finally {
      started.close();
      ctx.drop(db);
    }
    Bench.log(
        "%s: %s invoices/s, Charon %s CPU-ms/invoice",
        name, node.path("invoices_per_s"), node.path("cpu_ms_per_invoice").path("charon"));
    return node;
  }

  /** The gateway and workers of one scenario. */
  static final class Started implements AutoCloseable {
    final Context ctx;
    final String name;
    final Procs.Proc gateway;
    final Map<String, String> env = new HashMap<>();
    final String gatewayUrl;
    private final List<Procs.Proc> workers = new ArrayList<>();

    /**
     * The gateway keeps every charge it answered, for idempotency and the audit: at the default 512
     * MB it ran out of heap after 970,000 charges of the 1,000,000-invoice run
     * (bench/results/2026-12-01-1302-7b61514.json: the run then stalled on a dead provider), so its
     * heap grows by 1 MB per 1,000 invoices of the scenario.
     */
    Started(Context ctx, String name, String db, int latencyMs, int invoices) {
      this.ctx = ctx;
      this.name = name;
      int port = freePort();
      gateway =
          ctx.procs.start(
              name + ".gateway",
              Map.of(),
              ctx.charon(
                  List.of("-Xmx" + (512 + invoices / 1000) + "m"),
                  "gateway",
                  "--port",
                  String.valueOf(port),
                  "--state-file",
                  ctx.out.resolve(name + ".gateway.jsonl").toString(),
                  "--reset",
                  "--latency-ms",
                  String.valueOf(latencyMs)));
      gatewayUrl = "http://127.0.0.1:" + port;
      env.putAll(ctx.dbEnv(db));
      env.put("CHARON_GATEWAY_URL", gatewayUrl);
      Procs.await("the gateway", Duration.ofSeconds(90), () -> gateway.logContains("listening"));
    }

    Procs.Proc worker(int i, int concurrency) {
      var workerEnv = new HashMap<>(env);
      workerEnv.put("CHARON_METRICS_PORT", "0");
      var w =
          ctx.procs.start(
              name + ".worker" + i,
              workerEnv,
              ctx.charon(
                  List.of("-Xmx256m"), "worker", "--concurrency", String.valueOf(concurrency)));
      workers.add(w);
      return w;
    }

    void awaitWorkers() {
      for (var w : workers) {
        Procs.await(
            w.name() + " up", Duration.ofSeconds(120), () -> w.logContains("charon worker"));
      }
      Procs.sleep(1000);
    }

    Procs.Done audit() {
      return ctx.procs.run(
          name + ".audit",
          env,
          ctx.charon(List.of(), "audit", "--gateway-url", gatewayUrl),
          Duration.ofMinutes(30));
    }

    void stopWorkers() {
      workers.forEach(ctx.procs::stop);
      workers.clear();
    }

    @Override
    public void close() {
      stopWorkers();
      ctx.procs.stop(gateway);
    }
  }

  static int freePort() {
    try (var socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
