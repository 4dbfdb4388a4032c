package dev.charon.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
  private final boolean jfr;
  private boolean refunds;

  ChargeRun(Context ctx, String name, int invoices, int workers, int concurrency, int latencyMs) {
    this(ctx, name, invoices, workers, concurrency, latencyMs, false);
  }

  /**
   * With {@code jfr} (and the harness's {@code --profile}), the workers and gateway are recorded.
   */
  ChargeRun(
      Context ctx,
      String name,
      int invoices,
      int workers,
      int concurrency,
      int latencyMs,
      boolean jfr) {
    this.jfr = jfr && ctx.profile;
    this.ctx = ctx;
    this.name = name;
    this.invoices = invoices;
    this.workers = workers;
    this.concurrency = concurrency;
    this.latencyMs = latencyMs;
  }

  /** After the charge run, refunds what it charged and measures that too ({@link RefundRun}). */
  ChargeRun withRefunds() {
    refunds = true;
    return this;
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
    node.put("jfr_profile", jfr);
    var db = ctx.freshDatabase(name, invoices);
    var started = new Started(ctx, name, db, latencyMs, invoices, jfr);
    var profile = Bench.JSON.createObjectNode();
    Window window = null;
    try {
      var workerPids = new ArrayList<Long>();
      for (int i = 1; i <= workers; i++) {
        workerPids.add(started.worker(i, concurrency).pid());
      }
      started.awaitWorkers();
      var before = Writes.snapshot(ctx.cluster.sql, db);
      var jvms = new LinkedHashMap<String, Long>();
      for (int i = 0; i < workerPids.size(); i++) {
        jvms.put("worker" + (i + 1), workerPids.get(i));
      }
      jvms.put("gateway", started.gateway.pid());
      var threadsBefore = new HashMap<String, Threads.Sample>();
      jvms.forEach((jvm, pid) -> threadsBefore.put(jvm, Threads.sample(pid)));
      var statements = PgStatements.start(ctx.cluster, db);
      window =
          new Window(
                  Map.of("workers", workerPids, "gateway", List.of(started.gateway.pid())),
                  ctx.cluster.postmasterPid(),
                  db)
              .open();
      var steady = new Steady(window, db);
      var bill =
          ctx.procs.run(
              name + ".bill",
              started.env,
              ctx.charon(List.of(), "bill", "--period", ctx.period, "--workers", "0"),
              Duration.ofMinutes(Math.max(5, invoices / 500)),
              () -> ctx.cluster.sql.number(db, settledSql()),
              Duration.ofSeconds(120));
      window.close();
      steady.close();
      var taken = statements == null ? null : statements.take();
      started.dumpJfr();
      var jvmNode = profile.putObject("jvm");
      jvms.forEach(
          (jvm, pid) ->
              jvmNode
                  .putObject(jvm)
                  .set("threads_cpu", Threads.used(threadsBefore.get(jvm), Threads.sample(pid))));
      window.add("producer", bill.cpuSeconds());
      node.put("bill_exit", bill.exit());
      node.put("wall_s", Bench.round(bill.wallSeconds(), 2));
      var audit = started.audit();
      started.stopWorkers();
      Procs.sleep(1500); // the backends' table statistics reach pg_stat_user_tables when they exit
      var charged = Measure.outcomes(ctx.cluster.sql, db, node);
      window.write(node, charged, List.of("workers", "producer"));
      steady.write(node, charged);
      if (taken != null) {
        PgStatements.write(profile, taken, charged, window);
      }
      Writes.write(node, before, Writes.snapshot(ctx.cluster.sql, db), charged);
      node.put("audit_exit", audit.exit());
      node.put("audit_line", audit.lastLine());
      if (refunds) {
        var refund = RefundRun.run(ctx, started, db, concurrency, name);
        // The audit nets refunds against charges (issue 24): everything refunded must reconcile.
        var after = started.audit();
        refund.put("audit_exit", after.exit());
        refund.put("audit_line", after.lastLine());
        node.set("refund", refund);
      }
    } finally {
      started.close();
      ctx.drop(db);
    }
    if (jfr) {
      summariseJfr((ObjectNode) profile.get("jvm"), started.jfrFiles, window);
    }
    node.set("profile", profile);
    Bench.log(
        "%s: %s invoices/s, Charon %s CPU-ms/invoice",
        name, node.path("invoices_per_s"), node.path("cpu_ms_per_invoice").path("charon"));
    return node;
  }

  /**
   * Adds each recorded JVM's summary of the window ({@link JfrSummary}) to its node under {@code
   * jvm}; a recording that cannot be read is reported as that JVM's {@code jfr_error}, not as the
   * scenario's failure.
   */
  private void summariseJfr(ObjectNode jvm, Map<String, Path> files, Window window) {
    files.forEach(
        (process, file) -> {
          var target = jvm.get(process) instanceof ObjectNode o ? o : jvm.putObject(process);
          target.put("jfr_file", ctx.root.relativize(file.toAbsolutePath()).toString());
          try {
            target.set("jfr", JfrSummary.summarise(file, window.openedAt, window.closedAt));
          } catch (Exception e) {
            target.put("jfr_error", String.valueOf(e));
          }
        });
  }

  /**
   * How many invoices of billing runs are settled (no longer PROCESSING), read from the invoice
   * tallies (V50.1) as the console's run progress reads them: counting the invoice table instead
   * scanned it on every poll, and that scan, 15 ms every 100 ms on 20,000 invoices (a fifth of the
   * e2e window's statement time, bench/results/2026-12-01-1431-4708c86.json) and far more on
   * 10,000,000, was counted as PostgreSQL's cost of charging.
   */
  static String settledSql() {
    return PgStatements.HARNESS
        + "select coalesce(sum(invoices), 0) from (select run_id, status, invoices from invoice_tally"
        + " union all select run_id, status, invoices from invoice_tally_delta) t"
        + " where run_id <> 0 and status <> 'PROCESSING'";
  }

  /**
   * The window's second part: from the moment a quarter of the run is settled to its end. A
   * 20,000-invoice window is short enough that the JIT compiling the hot path is half the worker's
   * and the gateway's CPU (issue 17's profile); a worker charges for hours on the 1st of a month,
   * so this part is the cost per invoice of a warm process. The producer's cost is the whole run's
   * (it produces at the start).
   */
  private final class Steady {
    private final Window whole;
    private final String db;
    private final Thread watcher;
    private volatile Window window;
    private volatile long settledAtOpen;
    private volatile boolean closed;

    Steady(Window whole, String db) {
      this.whole = whole;
      this.db = db;
      watcher = Thread.ofPlatform().name("bench-steady").daemon().start(this::watch);
    }

    /**
     * Polls on one connection, kept open until the window closes: a connection per poll would start
     * and end a backend every 50 ms, and a backend's CPU moves to the postmaster's account when it
     * exits, inside the window.
     */
    private void watch() {
      try (var c = ctx.cluster.sql.connect(db);
          var s = c.createStatement()) {
        while (!closed) {
          try (var rs = s.executeQuery(settledSql())) {
            rs.next();
            long n = rs.getLong(1);
            if (window == null && n >= invoices / 4) {
              settledAtOpen = n;
              window = new Window(whole.groupsForSteady(), ctx.cluster.postmasterPid(), db).open();
            }
          }
          // Real time on purpose: the harness watches a real run; after the window opens it only
          // keeps its connection (and so its backend) alive until the window closes.
          Thread.sleep(window == null ? 50 : 1_000);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (java.sql.SQLException | RuntimeException e) {
        Bench.log("%s: steady window: %s", name, e);
      }
    }

    void close() {
      if (window != null) {
        window.close();
      }
      closed = true;
      try {
        watcher.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void write(ObjectNode node, long charged) {
      var out = node.putObject("steady");
      if (window == null) {
        out.put("error", "the run ended before a quarter of it was settled");
        return;
      }
      long n = charged - settledAtOpen;
      out.put("from_settled", settledAtOpen);
      out.put("invoices", n);
      out.put("window_s", Bench.round(window.wallSeconds, 2));
      out.put("invoices_per_s", Bench.round(n / Math.max(0.001, window.wallSeconds), 0));
      var per = out.putObject("cpu_ms_per_invoice");
      double charon = 0;
      for (var group : List.of("workers", "gateway", "postgres_backends", "postgres_other")) {
        double ms = n == 0 ? 0 : window.seconds(group) * 1000 / n;
        per.put(group, Bench.round(ms, 3));
        if (!group.equals("gateway")) {
          charon += ms;
        }
      }
      double producer = node.path("cpu_ms_per_invoice").path("producer").asDouble();
      per.put("producer", producer);
      per.put("charon", Bench.round(charon + producer, 3));
    }
  }

  /** The gateway and workers of one scenario. */
  static final class Started implements AutoCloseable {
    final Context ctx;
    final String name;
    final Procs.Proc gateway;
    final Map<String, String> env = new HashMap<>();
    final String gatewayUrl;
    private final List<Procs.Proc> workers = new ArrayList<>();

    /** The JFR recording of each process, by the name it has in the results. */
    final Map<String, Path> jfrFiles = new LinkedHashMap<>();

    private final Map<String, Procs.Proc> recorded = new LinkedHashMap<>();

    private final boolean jfr;

    Started(Context ctx, String name, String db, int latencyMs, int invoices) {
      this(ctx, name, db, latencyMs, invoices, false);
    }

    /**
     * With {@code jfr}, the gateway and every worker run with a JFR recording. The gateway keeps
     * every charge it answered, for idempotency and the audit: at 512 MB it ran out of heap after
     * 970,000 charges of the 1,000,000-invoice run (bench/results/2026-12-01-1302-7b61514.json: the
     * run then stalled on a dead provider), so its heap grows by 1 MB per 1,000 invoices.
     */
    Started(Context ctx, String name, String db, int latencyMs, int invoices, boolean jfr) {
      this.ctx = ctx;
      this.name = name;
      this.jfr = jfr;
      int port = freePort();
      gateway =
          ctx.procs.start(
              name + ".gateway",
              Map.of(),
              ctx.charon(
                  jvmOptions("gateway", "-Xmx" + (512 + invoices / 1000) + "m"),
                  "gateway",
                  "--port",
                  String.valueOf(port),
                  "--state-file",
                  ctx.out.resolve(name + ".gateway.jsonl").toString(),
                  "--reset",
                  "--latency-ms",
                  String.valueOf(latencyMs)));
      if (jfr) {
        recorded.put("gateway", gateway);
      }
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
                  jvmOptions("worker" + i, "-Xmx256m"),
                  "worker",
                  "--concurrency",
                  String.valueOf(concurrency)));
      workers.add(w);
      if (jfr) {
        recorded.put("worker" + i, w);
      }
      return w;
    }

    /**
     * A worker without a JFR recording, named {@code label}: the refund phase's, whose recording
     * would otherwise replace the charge window's under the same file.
     */
    Procs.Proc unrecordedWorker(String label, int concurrency) {
      var workerEnv = new HashMap<>(env);
      workerEnv.put("CHARON_METRICS_PORT", "0");
      var w =
          ctx.procs.start(
              name + "." + label,
              workerEnv,
              ctx.charon(
                  List.of("-Xmx256m"), "worker", "--concurrency", String.valueOf(concurrency)));
      workers.add(w);
      return w;
    }

    private List<String> jvmOptions(String process, String heap) {
      if (!jfr) {
        return List.of(heap);
      }
      var file = ctx.jfrFile(name + "." + process);
      jfrFiles.put(process, file);
      var options = new ArrayList<String>(List.of(heap));
      options.addAll(ctx.jfr(name + "." + process));
      return options;
    }

    /**
     * Writes each recording to its file with {@code jcmd JFR.dump}, right after the window: the
     * worker's SIGTERM hook ends in {@code Runtime.halt}, which leaves the JVM before JFR's own
     * dump-on-exit hook has written anything.
     */
    void dumpJfr() {
      var jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
      recorded.forEach(
          (process, proc) -> {
            try {
              var p =
                  new ProcessBuilder(
                          jcmd,
                          String.valueOf(proc.pid()),
                          "JFR.dump",
                          "name=bench",
                          "filename=" + jfrFiles.get(process))
                      .redirectErrorStream(true)
                      .redirectOutput(ctx.out.resolve(name + "." + process + ".jcmd.log").toFile())
                      .start();
              if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
              }
            } catch (java.io.IOException e) {
              Bench.log("%s: jcmd JFR.dump of %s failed: %s", name, process, e);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
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
