package dev.charon.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The PostgreSQL side of a scenario's profile: what {@code pg_stat_statements} (loaded on the
 * benchmark cluster, {@code track = all}, see {@link Cluster}) counted for the scenario database in
 * the window, and the plans {@code auto_explain} logged for statements slower than {@value
 * Cluster#SLOW_PLAN_MS} ms. Reset when the window opens ({@link #start}), read when it closes
 * ({@link #take}), written with the charged invoices as the denominator ({@link #write}).
 *
 * <p>The extension is created in the cluster's {@code postgres} database, not in the scenario's:
 * its view shows every database's statements (filtered here by the scenario database's oid), and
 * the database being measured keeps exactly the engine's schema.
 */
final class PgStatements {
  /** Statements listed per scenario, by total execution time. */
  static final int TOP = 12;

  /**
   * Distinct slow plans copied into the results per scenario (the count says how many there were).
   */
  static final int PLANS = 5;

  /** Lines kept of one slow plan. */
  static final int PLAN_LINES = 60;

  /**
   * Marks the harness's own queries on a scenario database (progress polls), see {@link #label}.
   */
  static final String HARNESS = "/* bench harness */ ";

  private final Cluster cluster;
  private final String db;
  private long logOffset;

  /** What the view held when the window closed. */
  record Taken(List<Map<String, Object>> rows, String log) {}

  private PgStatements(Cluster cluster, String db) {
    this.cluster = cluster;
    this.db = db;
  }

  /**
   * Resets the scenario database's statement counters and marks where the cluster log ends, just
   * before a window opens; a cluster started without the profile gives a no-op ({@code null}).
   */
  static PgStatements start(Cluster cluster, String db) {
    if (!cluster.pgProfile) {
      return null;
    }
    var p = new PgStatements(cluster, db);
    cluster.sql.value(
        "postgres",
        "select pg_stat_statements_reset(0, (select oid from pg_database where datname = '"
            + db
            + "'), 0)");
    p.logOffset = size(cluster.logFile());
    return p;
  }

  /** Reads the counters and the log written since {@link #start}, right when the window closes. */
  Taken take() {
    var rows =
        cluster.sql.rows(
            "postgres",
            "select s.* from pg_stat_statements s where s.dbid = (select oid from pg_database where datname = '"
                + db
                + "')");
    return new Taken(rows, readFrom(cluster.logFile(), logOffset));
  }

  /**
   * Writes {@code pg_statements} (totals, and the top {@value #TOP} statements by total execution
   * time with calls, rows, ms and ms per charged invoice) and {@code slow_plans} into {@code node},
   * with the window's PostgreSQL CPU beside the execution time: the scenario database's live
   * backends, and the whole cluster (backends that exited in the window, the producer's and
   * pgbench's, are only in the cluster's figure, as are autovacuum and the WAL writer). Statements
   * run inside the tally trigger functions are listed as not {@code toplevel}: their time is also
   * inside the time of the statement that fired the trigger, so shares are of the top-level total
   * and the nested rows are not added to it.
   */
  static void write(ObjectNode node, Taken taken, long charged, Window window) {
    double backendsCpuSeconds = window.seconds("postgres_backends");
    double clusterCpuSeconds = backendsCpuSeconds + window.seconds("postgres_other");
    var out = node.putObject("pg_statements");
    double top = 0, nested = 0;
    long topCalls = 0;
    for (var r : taken.rows()) {
      double ms = number(r, "total_exec_time");
      if (toplevel(r)) {
        top += ms;
        topCalls += (long) number(r, "calls");
      } else {
        nested += ms;
      }
    }
    out.put("statements", taken.rows().size());
    out.put("toplevel_exec_ms", Bench.round(top, 1));
    out.put("nested_exec_ms", Bench.round(nested, 1));
    out.put("toplevel_calls", topCalls);
    out.put("toplevel_calls_per_invoice", perInvoice(topCalls, charged, 2));
    out.put("exec_ms_per_invoice", perInvoice(top, charged, 3));
    out.put("backends_cpu_ms_per_invoice", perInvoice(backendsCpuSeconds * 1000, charged, 3));
    out.put("cluster_cpu_ms_per_invoice", perInvoice(clusterCpuSeconds * 1000, charged, 3));
    out.put(
        "exec_over_cluster_cpu",
        clusterCpuSeconds > 0 ? Bench.round(top / (clusterCpuSeconds * 1000), 2) : 0);
    var sorted = new ArrayList<>(taken.rows());
    sorted.sort(Comparator.comparingDouble(r -> -number(r, "total_exec_time")));
    var list = out.putArray("top");
    double listedTop = 0;
    for (var r : sorted.subList(0, Math.min(TOP, sorted.size()))) {
      var query = String.valueOf(r.get("query"));
      double ms = number(r, "total_exec_time");
      double calls = number(r, "calls");
      var s = list.addObject();
      s.put("label", label(query));
      s.put("toplevel", toplevel(r));
      s.put("harness", query.contains(HARNESS.strip()));
      s.put("queryid", String.valueOf(r.get("queryid")));
      s.put("calls", (long) calls);
      s.put("calls_per_invoice", perInvoice(calls, charged, 2));
      s.put("rows", (long) number(r, "rows"));
      s.put("total_ms", Bench.round(ms, 1));
      s.put("mean_ms", Bench.round(number(r, "mean_exec_time"), 3));
      s.put("ms_per_invoice", perInvoice(ms, charged, 4));
      s.put("share", top > 0 ? Bench.round(ms / top, 3) : 0);
      s.put("io_ms", Bench.round(number(r, "blk_read_time") + number(r, "blk_write_time"), 1));
      s.put("shared_blks_read", (long) number(r, "shared_blks_read"));
      s.put("wal_bytes_per_call", calls > 0 ? Bench.round(number(r, "wal_bytes") / calls, 0) : 0);
      if (toplevel(r)) {
        listedTop += ms;
      }
    }
    out.put("top_toplevel_share", top > 0 ? Bench.round(listedTop / top, 3) : 0);

    var plans = slowPlans(taken.log());
    var slow = node.putObject("slow_plans");
    slow.put("log_min_duration_ms", Cluster.SLOW_PLAN_MS);
    slow.put("count", plans.size());
    var distinct = slow.putArray("distinct");
    distinctPlans(plans).stream()
        .limit(PLANS)
        .forEach(
            d ->
                distinct
                    .addObject()
                    .put("count", d.count())
                    .put("max_ms", Bench.round(d.maxMs(), 1))
                    .put("plan", d.plan()));
  }

  /**
   * The query text of a logged plan: its lines after the duration line up to the plan's root node
   * (the first line with a cost); the plan's costs change as the tables grow.
   */
  static String queryText(String plan) {
    var text = new StringBuilder();
    var lines = plan.split("\n");
    for (int i = 1; i < lines.length && !lines[i].contains("(cost="); i++) {
      text.append(lines[i]).append('\n');
    }
    return text.toString();
  }

  /** Plans of one statement text: how often it was slow, its slowest duration, its first plan. */
  record Distinct(String plan, int count, double maxMs) {}

  /**
   * The plans grouped by their {@link #queryText query text}, in the order they first appear: a
   * produce batch that is slow 20 times is listed once.
   */
  static List<Distinct> distinctPlans(List<String> plans) {
    var byKey = new java.util.LinkedHashMap<String, Distinct>();
    for (var plan : plans) {
      var key = queryText(plan);
      double ms = 0;
      var m = java.util.regex.Pattern.compile("duration: ([0-9.]+) ms").matcher(plan);
      if (m.find()) {
        ms = Double.parseDouble(m.group(1));
      }
      double duration = ms;
      byKey.merge(
          key,
          new Distinct(plan, 1, duration),
          (a, b) -> new Distinct(a.plan(), a.count() + 1, Math.max(a.maxMs(), b.maxMs())));
    }
    return List.copyOf(byKey.values());
  }

  /**
   * A statement's short label: comments dropped, whitespace collapsed, at most 120 characters (with
   * an ellipsis when cut). pg_stat_statements has already replaced the constants by {@code $n}.
   */
  static String label(String query) {
    var text =
        query
            .replaceAll("(?s)/\\*.*?\\*/", " ")
            .replaceAll("--[^\\n]*", " ")
            .replaceAll("\\s+", " ")
            .strip();
    return text.length() <= 120 ? text : text.substring(0, 119) + "…";
  }

  /**
   * The plans auto_explain logged in {@code log} (a slice of the cluster's log): each begins with a
   * {@code LOG: duration: … ms plan:} line, followed by its tab-indented lines. Each plan is kept
   * to {@value #PLAN_LINES} lines.
   */
  static List<String> slowPlans(String log) {
    var plans = new ArrayList<String>();
    StringBuilder plan = null;
    int lines = 0;
    for (var line : log.split("\n", -1)) {
      if (line.contains("LOG:  duration: ") && line.contains(" plan:")) {
        if (plan != null) {
          plans.add(plan.toString().stripTrailing());
        }
        plan = new StringBuilder(line.substring(line.indexOf("duration: ")).strip()).append('\n');
        lines = 1;
      } else if (plan != null && line.startsWith("\t")) {
        if (++lines <= PLAN_LINES) {
          plan.append(line.substring(1)).append('\n');
        } else if (lines == PLAN_LINES + 1) {
          plan.append("…\n");
        }
      } else if (plan != null) {
        plans.add(plan.toString().stripTrailing());
        plan = null;
      }
    }
    if (plan != null) {
      plans.add(plan.toString().stripTrailing());
    }
    return plans;
  }

  private static boolean toplevel(Map<String, Object> r) {
    return !Boolean.FALSE.equals(r.get("toplevel"));
  }

  private static double number(Map<String, Object> r, String column) {
    return r.get(column) instanceof Number n ? n.doubleValue() : 0;
  }

  private static double perInvoice(double value, long charged, int places) {
    return charged == 0 ? 0 : Bench.round(value / charged, places);
  }

  private static long size(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  /** The file from {@code offset} on (at most 4 MB of it): the window's part of the log. */
  private static String readFrom(Path file, long offset) {
    if (!Files.exists(file)) {
      return "";
    }
    try (var f = new RandomAccessFile(file.toFile(), "r")) {
      long from = offset <= f.length() ? offset : 0;
      var bytes = new byte[(int) Math.min(4 << 20, f.length() - from)];
      f.seek(from);
      f.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
