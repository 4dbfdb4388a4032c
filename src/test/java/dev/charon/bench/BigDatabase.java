package dev.charon.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A production-sized database: {@code background} invoices of earlier periods (paid, with their
 * history, then vacuumed as months of autovacuum would have), and a run of {@code due} invoices
 * produced and charged on top of it while the console's reads are timed: the overview's requests
 * ({@code /rest/v1/collection?periods=12}, {@code /rest/v1/billing-runs?limit=1000}) against a
 * {@code charon server}, before and during the run.
 */
final class BigDatabase {
  static final List<String> PROBES =
      List.of("/rest/v1/collection?periods=12", "/rest/v1/billing-runs?limit=1000");
  private static final int CHUNK = 500_000;
  private final Context ctx;
  private final int background;
  private final int due;
  private final int concurrency;
  private final int probes;

  BigDatabase(Context ctx, int background, int due, int concurrency, int probes) {
    this.ctx = ctx;
    this.background = background;
    this.due = due;
    this.concurrency = concurrency;
    this.probes = probes;
  }

  ObjectNode run() throws Exception {
    var name = "big_database";
    Bench.log(
        "%s: %,d earlier invoices, a run of %,d (load %s)", name, background, due, Cpu.loadavg());
    var node = Bench.JSON.createObjectNode();
    node.put("kind", "big_database");
    node.put("background_invoices", background);
    node.put("invoices", due);
    node.put("concurrency", concurrency);
    var db = ctx.freshDatabase(name, due);
    var sql = ctx.cluster.sql;
    try {
      long t0 = System.nanoTime();
      long customers = sql.number(db, "select count(*) from customer");
      for (int from = 0; from < background; from += CHUNK) {
        sql.exec(db, fill(from, Math.min(background, from + CHUNK), customers));
      }
      sql.exec(db, "vacuum analyze");
      node.put("fill_s", Bench.round((System.nanoTime() - t0) / 1e9, 1));
      node.put("invoice_rows", sql.number(db, "select count(*) from invoice"));
      node.put("history_rows", sql.number(db, "select count(*) from invoice_history"));
      node.put(
          "database_mb", sql.number(db, "select pg_database_size(current_database()) / 1048576"));

      try (var started = new ChargeRun.Started(ctx, name, db, 0)) {
        int port = ChargeRun.freePort();
        var serverEnv = new HashMap<>(started.env);
        serverEnv.put("CHARON_AUTH_OPEN_PATHS", "/rest/health,/rest/v1/*");
        serverEnv.put("CHARON_METRICS_PORT", "0");
        var server =
            ctx.procs.start(
                name + ".server",
                serverEnv,
                ctx.charon(List.of("-Xmx256m"), "server", "--port", String.valueOf(port)));
        Procs.await("the server", Duration.ofSeconds(120), () -> server.logContains("listening"));
        var worker = started.worker(1, concurrency);
        started.awaitWorkers();
        var http = HttpClient.newHttpClient();
        var base = "http://127.0.0.1:" + port;
        node.set("reads_idle", latencies(http, base, probes));

        var before = Writes.snapshot(sql, db);
        var running = new AtomicBoolean(true);
        var during = new HashMap<String, List<Double>>();
        var prober =
            Thread.ofPlatform()
                .start(
                    () -> {
                      while (running.get()) {
                        for (var path : PROBES) {
                          during
                              .computeIfAbsent(
                                  path, p -> Collections.synchronizedList(new ArrayList<>()))
                              .add(time(http, base + path));
                        }
                        Procs.sleep(50);
                      }
                    });
        var window =
            new Window(
                    Map.of(
                        "workers",
                        List.of(worker.pid()),
                        "server",
                        List.of(server.pid()),
                        "gateway",
                        List.of(started.gateway.pid())),
                    ctx.cluster.postmasterPid(),
                    db)
                .open();
        var bill =
            ctx.procs.run(
                name + ".bill",
                started.env,
                ctx.charon(List.of(), "bill", "--period", ctx.period, "--workers", "0"),
                Duration.ofMinutes(Math.max(5, due / 500)),
                () ->
                    sql.number(
                        db,
                        "select count(*) from invoice where billing_run_id is not null and status <> 'PROCESSING'"),
                Duration.ofSeconds(120));
        window.close();
        window.add("producer", bill.cpuSeconds());
        running.set(false);
        prober.join();
        node.put("bill_exit", bill.exit());
        node.put("wall_s", Bench.round(bill.wallSeconds(), 2));
        node.set("reads_during_run", summary(during));
        var charged = Measure.outcomes(sql, db, node);
        window.write(node, charged, List.of("workers", "server", "producer"));
        var audit = started.audit();
        node.put("audit_exit", audit.exit());
        node.put("audit_line", audit.lastLine());
        ctx.procs.stop(server);
        started.stopWorkers();
        Procs.sleep(
            1500); // the backends' table statistics reach pg_stat_user_tables when they exit
        Writes.write(node, before, Writes.snapshot(sql, db), charged);
      }
    } finally {
      ctx.drop(db);
    }
    Bench.log(
        "%s: production %s invoices/s, collection p95 during the run %s ms",
        name,
        node.path("production").path("invoices_per_s"),
        node.path("reads_during_run").path(PROBES.get(0)).path("p95_ms"));
    return node;
  }

  /**
   * Paid invoices of earlier periods, spread over the seeded customers in their currencies. The
   * customer count is a literal so that the join is a hash join on the row number.
   */
  private String fill(int from, int to, long customers) {
    return """
        with c as (select id, currency, row_number() over (order by id) - 1 as rn from customer),
        g as (select g, g %% %d as rn, 1 + g / %d as back from generate_series(%d, %d) g)
        insert into invoice (customer_id, amount_minor, currency, status, billing_period, due_date, paid_at,
                             attempt_count, status_reason, status_actor)
        select c.id, 100 + (g.g %% 90000), c.currency, 'PAID',
               to_char(date_trunc('month', now()) - make_interval(months => g.back::int), 'YYYY-MM'),
               (date_trunc('month', now()) - make_interval(months => g.back::int))::date,
               date_trunc('month', now()) - make_interval(months => g.back::int) + interval '1 day',
               1, 'charged', 'bench'
        from g join c on c.rn = g.rn
        """
        .formatted(customers, customers, from, to - 1);
  }

  private ObjectNode latencies(HttpClient http, String base, int n) {
    var samples = new HashMap<String, List<Double>>();
    for (var path : PROBES) {
      var list = new ArrayList<Double>();
      for (int i = 0; i < n; i++) {
        list.add(time(http, base + path));
      }
      samples.put(path, list);
    }
    return summary(samples);
  }

  private static double time(HttpClient http, String url) {
    long t0 = System.nanoTime();
    try {
      var response =
          http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.discarding());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(url + " answered " + response.statusCode());
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException(url + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return (System.nanoTime() - t0) / 1e6;
  }

  private static ObjectNode summary(Map<String, List<Double>> samples) {
    var node = Bench.JSON.createObjectNode();
    for (var path : PROBES) {
      var list = new ArrayList<>(samples.getOrDefault(path, List.of()));
      Collections.sort(list);
      var p = node.putObject(path);
      p.put("requests", list.size());
      p.put("p50_ms", percentile(list, 0.50));
      p.put("p95_ms", percentile(list, 0.95));
      p.put("max_ms", list.isEmpty() ? 0 : Bench.round(list.get(list.size() - 1), 1));
    }
    return node;
  }

  private static double percentile(List<Double> sorted, double q) {
    if (sorted.isEmpty()) {
      return 0;
    }
    return Bench.round(
        sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(q * sorted.size()) - 1)), 1);
  }
}
