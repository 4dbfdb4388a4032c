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
 * A production-sized database: {@code background} invoices of the last {@value #MONTHS} periods
 * (mostly paid, 4 % uncollectible after a declined attempt, 1 % void, each with its history, then
 * vacuumed as months of autovacuum would have), older ids than the {@code due} invoices of the
 * current period, as in production; then a run of the due invoices produced and charged on top of
 * it while the console's overview reads are timed against a {@code charon server}: {@code
 * /rest/v1/collection?periods=12} and {@code /rest/v1/billing-runs?limit=1000} before and during
 * the run, the run's own {@code /rest/v1/billing-runs/{id}} (polled by the overview every second)
 * during it.
 *
 * <p>With {@code keep}, the filled database is kept as a template ({@code
 * bigtpl_<background>_<due>}, outside the harness's {@code bench_*} clean-up) and later harness
 * runs copy it instead of filling again; every copy is then migrated with the measured jar ({@code
 * migrate_s}), so a before/after pair reads the same data. Fill it with the older commit first: a
 * newer schema would not start the older jar.
 */
final class BigDatabase {
  static final List<String> PROBES =
      List.of("/rest/v1/collection?periods=12", "/rest/v1/billing-runs?limit=1000");

  /** Timed during the run only: the run does not exist before it. */
  static final String RUN_PROBE = "/rest/v1/billing-runs/{id}";

  static final int MONTHS = 36;
  private static final int CHUNK = 1_000_000;
  private final Context ctx;
  private final int background;
  private final int due;
  private final int concurrency;
  private final int probes;
  private final boolean keep;

  BigDatabase(Context ctx, int background, int due, int concurrency, int probes, boolean keep) {
    this.ctx = ctx;
    this.background = background;
    this.due = due;
    this.concurrency = concurrency;
    this.probes = probes;
    this.keep = keep;
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
    var sql = ctx.cluster.sql;
    var template = "bigtpl_" + background + "_" + due;
    boolean reuse =
        keep
            && sql.number(
                    "postgres",
                    "select count(*) from pg_database where datname = '" + template + "'")
                == 1;
    String db;
    if (reuse) {
      db = "bench_" + name + "_copy";
      long t0 = System.nanoTime();
      sql.exec(
          "postgres",
          "drop database if exists " + db,
          "create database " + db + " template " + template);
      node.put("copied_from_template", template);
      node.put("copy_s", Bench.round((System.nanoTime() - t0) / 1e9, 1));
      Bench.log("%s: copied the kept template %s", name, template);
    } else {
      db = ctx.freshDatabase(name, due);
      long t0 = System.nanoTime();
      fill(db);
      node.put("fill_s", Bench.round((System.nanoTime() - t0) / 1e9, 1));
      if (keep) {
        sql.exec(
            "postgres",
            "alter database " + db + " rename to " + template,
            "create database " + db + " template " + template);
        node.put("kept_as_template", template);
      }
    }
    try {
      long t0 = System.nanoTime();
      var migrate =
          ctx.procs.run(
              name + ".migrate",
              ctx.dbEnv(db),
              ctx.charon(List.of(), "migrate"),
              Duration.ofMinutes(30));
      if (migrate.exit() != 0) {
        throw new IllegalStateException(
            "migrate exited " + migrate.exit() + ": " + migrate.lastLine());
      }
      node.put("migrate_s", Bench.round((System.nanoTime() - t0) / 1e9, 1));
      long attemptsBefore = sql.number(db, "select coalesce(max(id), 0) from charge_attempt");
      node.put("invoice_rows", sql.number(db, "select count(*) from invoice"));
      node.put("history_rows", sql.number(db, "select count(*) from invoice_history"));
      node.put(
          "database_mb", sql.number(db, "select pg_database_size(current_database()) / 1048576"));

      try (var started = new ChargeRun.Started(ctx, name, db, 0, due)) {
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
                        long run =
                            sql.number(
                                db,
                                PgStatements.HARNESS
                                    + "select coalesce(max(id), 0) from billing_run where period = '"
                                    + ctx.period
                                    + "'");
                        if (run > 0) {
                          during
                              .computeIfAbsent(
                                  RUN_PROBE, p -> Collections.synchronizedList(new ArrayList<>()))
                              .add(time(http, base + "/rest/v1/billing-runs/" + run));
                        }
                        Procs.sleep(50);
                      }
                    });
        var statements = PgStatements.start(ctx.cluster, db);
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
                () -> sql.number(db, ChargeRun.settledSql()),
                Duration.ofSeconds(120));
        window.close();
        var taken = statements == null ? null : statements.take();
        window.add("producer", bill.cpuSeconds());
        running.set(false);
        prober.join();
        node.put("bill_exit", bill.exit());
        node.put("wall_s", Bench.round(bill.wallSeconds(), 2));
        node.set("reads_during_run", summary(during));
        var charged = Measure.outcomes(sql, db, node, attemptsBefore);
        window.write(node, charged, List.of("workers", "server", "producer"));
        if (taken != null) {
          PgStatements.write(node.putObject("profile"), taken, charged, window);
        }
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
   * Fills {@code db} (a fresh copy of the seeded template: customers with one due invoice each)
   * with the background. Bulk-loaded the way a restore would be: triggers off ({@code
   * session_replication_role = replica}; every row is written consistent by hand, history
   * included), the secondary indexes dropped and built again afterwards. The due invoices are
   * renumbered above the background so that, as in production, the run's invoices are the newest.
   */
  private void fill(String db) {
    var sql = ctx.cluster.sql;
    long customers = sql.number(db, "select count(*) from customer");
    var indexes =
        sql.rows(
            db,
            """
            select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as def
            from pg_index i
            where i.indrelid in ('invoice'::regclass, 'invoice_history'::regclass, 'charge_attempt'::regclass)
              and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)
            """);
    var drop = new ArrayList<String>();
    drop.add("set session_replication_role = replica");
    indexes.forEach(ix -> drop.add("drop index " + ix.get("name")));
    long offset = background;
    drop.add("update invoice set id = id + " + offset);
    drop.add("update invoice_history set invoice_id = invoice_id + " + offset);
    sql.exec(db, drop.toArray(String[]::new));
    for (long from = 0; from < background; from += CHUNK) {
      long to = Math.min(background, from + CHUNK);
      Bench.log("big_database: filling invoices %,d to %,d (load %s)", from, to, Cpu.loadavg());
      sql.exec(
          db,
          "set session_replication_role = replica",
          invoices(from, to, customers),
          """
          insert into charge_attempt (invoice_id, attempt_no, idempotency_key, amount_minor, currency, outcome,
                                      decline_code, detail, worker, calls, created_at, completed_at)
          select id, 1, 'bench-background-' || id, amount_minor, currency, 'DECLINED',
                 (array['insufficient_funds', 'card_declined', 'expired_card', 'do_not_honor'])[1 + id %% 4],
                 'declined', 'bench', 1, created_at, created_at + interval '1 hour'
          from invoice where id between %d and %d and status = 'UNCOLLECTIBLE'
          """
              .formatted(from + 1, to),
          """
          insert into invoice_history (invoice_id, old_status, new_status, reason, actor, at)
          select id, null, status, status_reason, status_actor, created_at
          from invoice where id between %d and %d
          """
              .formatted(from + 1, to));
    }
    Bench.log("big_database: building %d indexes (load %s)", indexes.size(), Cpu.loadavg());
    var create = new ArrayList<String>();
    create.add("set maintenance_work_mem = '512MB'");
    indexes.forEach(ix -> create.add((String) ix.get("def")));
    create.add(
        "select setval(pg_get_serial_sequence('invoice', 'id'), (select max(id) from invoice))");
    sql.exec(db, create.toArray(String[]::new));
    Bench.log("big_database: vacuum analyze (load %s)", Cpu.loadavg());
    sql.exec(db, "vacuum analyze");
  }

  /**
   * Invoices {@code from + 1 .. to} of the background, over the seeded customers in their
   * currencies, the oldest ids in the oldest of the last {@value #MONTHS} periods. The customer
   * count is a literal so that the join is a hash join on the row number.
   */
  private String invoices(long from, long to, long customers) {
    return """
        with c as (select id, currency, row_number() over (order by id) - 1 as rn from customer),
        g as (select g, g %% %d as rn, g %% 100 as kind, %d - (g * %d / %d) as back
              from generate_series(%d::bigint, %d::bigint) g),
        p as (select g.*, (date_trunc('month', now()) - make_interval(months => g.back::int))::date as start from g)
        insert into invoice (id, customer_id, amount_minor, currency, status, billing_period, due_date,
                             created_at, updated_at, paid_at, attempt_count, status_reason, status_actor)
        select p.g + 1, c.id, 100 + (p.g %% 90000), c.currency,
               case when p.kind < 4 then 'UNCOLLECTIBLE' when p.kind = 4 then 'VOID' else 'PAID' end,
               to_char(p.start, 'YYYY-MM'), p.start, p.start - interval '3 days', p.start + interval '40 days',
               case when p.kind >= 5 then p.start + interval '1 day' end,
               case when p.kind = 4 then 0 else 1 end,
               case when p.kind < 4 then 'dunning exhausted' when p.kind = 4 then 'voided' else 'charged' end,
               'bench'
        from p join c on c.rn = p.rn
        """
        .formatted(customers, MONTHS, MONTHS, Math.max(1, background), from, to - 1);
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
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(300)).build(),
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
    var paths = new ArrayList<>(PROBES);
    if (samples.containsKey(RUN_PROBE)) {
      paths.add(RUN_PROBE);
    }
    for (var path : paths) {
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
