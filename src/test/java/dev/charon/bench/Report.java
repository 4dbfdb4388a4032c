package dev.charon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Renders BENCHMARKS.md from one results file: every figure in it comes from that file. */
final class Report {
  private static final List<String> CPU_GROUPS =
      List.of(
          "workers",
          "producer",
          "server",
          "postgres_backends",
          "postgres_other",
          "gateway",
          "pgbench");

  private Report() {}

  static String render(JsonNode r, String source) {
    var run = r.path("run");
    var m = r.path("machine");
    var b = new StringBuilder();
    b.append("# Charon benchmarks\n\n");
    b.append("<!-- Rendered by the harness (dev.charon.bench.Report) from ")
        .append(source)
        .append(". Do not edit by hand: rerun `bench/run` or `bench/run render ")
        .append(source)
        .append("`. -->\n\n");
    b.append("Every figure below comes from one harness run, **`")
        .append(source)
        .append("`**, of commit `")
        .append(run.path("commit").asText())
        .append("` (")
        .append(run.path("commit_subject").asText())
        .append("), mode `")
        .append(run.path("mode").asText())
        .append("`, started ")
        .append(run.path("started_at").asText())
        .append(", harness wall time ")
        .append(run.path("harness_wall_s").asText())
        .append(" s")
        .append(
            otherSources(r).isEmpty()
                ? ""
                : ", except the scenarios marked as coming from another run: "
                    + otherSources(r)
                    + " (rendered with `bench/run render ... --with`; the targets are judged over all of them)")
        .append(". The analysis of these runs is in `bench/analysis.md`.\n\n");
    b.append("> **Load.** This machine has ")
        .append(m.path("nproc").asInt())
        .append(" cores and is shared. Load average at the start ")
        .append(m.path("loadavg_start").asText())
        .append(", at the end ")
        .append(m.path("loadavg_end").asText())
        .append(", ")
        .append(m.path("other_java_processes_start").asInt())
        .append(" other `java` processes at the start. Each scenario lists the CPU")
        .append(
            " other processes used in its window, and the CPU the hypervisor stole from it (/proc/stat); a window where")
        .append(" either passes ")
        .append(Math.round(Disturbance.LIMIT * 100))
        .append(
            "% is *disturbed*. Absolute figures, CPU time per invoice included, move with the host (issue 26 saw it")
        .append(
            " move 2.5x between two runs of the same code): compare commits only side by side in one invocation")
        .append(" (`--baseline`), or as ratios to the reference measured with them.\n\n");
    Repeated.render(r, b);

    b.append(
        "## Targets (issue 17)\n\n| target | what | measured | met | full size | from |\n| --- | --- | --- | --- | --- | --- |\n");
    for (var t : r.path("targets")) {
      b.append("| ")
          .append(t.path("target").asText())
          .append(" | ")
          .append(t.path("what").asText())
          .append(" | ")
          .append(t.path("measured").asText())
          .append(" | ")
          .append(Targets.met(t))
          .append(" | ")
          .append(t.path("full_size").asBoolean() ? "yes" : "no")
          .append(" | ")
          .append(t.path("from").asText())
          .append(" |\n");
    }

    b.append("\n## Cost per invoice (CPU-ms per charged invoice, per process)\n\n");
    b.append(
            "`charon` = workers + producer (`charon bill`, JVM start included) + server + every PostgreSQL process of the")
        .append(
            " benchmark cluster (the scenario database's backends, and autovacuum, checkpointer, WAL writer, exited")
        .append(
            " backends as `postgres_other`); the gateway is the fake provider and not counted in it. Invoices/s per core =")
        .append(" charged invoices / Charon's CPU seconds.\n\n");
    b.append("| scenario | invoices | invoices/s | invoices/s per core of Charon | ");
    CPU_GROUPS.forEach(g -> b.append(g).append(" | "));
    b.append("**charon** | window load (start / end) | others' CPU-s / busy CPU-s |\n|");
    b.append(" --- |".repeat(7 + CPU_GROUPS.size())).append("\n");
    r.path("scenarios")
        .fields()
        .forEachRemaining(
            e -> {
              var s = e.getValue();
              var c = s.path("cpu_ms_per_invoice");
              if (c.isMissingNode()) {
                return;
              }
              b.append("| ")
                  .append(e.getKey())
                  .append(
                      s.path("from_results").isObject()
                          ? " (commit " + s.path("from_results").path("commit").asText() + ")"
                          : "")
                  .append(" | ")
                  .append(
                      num(
                          s.path("kind").asText().equals("ceiling")
                              ? s.path("paid")
                              : s.path("charged")))
                  .append(" | ")
                  .append(num(s.path("invoices_per_s")))
                  .append(" | ")
                  .append(num(s.path("charon_invoices_per_s_per_core")))
                  .append(" | ");
              CPU_GROUPS.forEach(g -> b.append(c.has(g) ? c.path(g).asText() : "").append(" | "));
              var w = s.path("machine");
              b.append("**")
                  .append(c.path("charon").asText())
                  .append("** | ")
                  .append(w.path("loadavg_start").asText())
                  .append(" / ")
                  .append(w.path("loadavg_end").asText())
                  .append(" | ")
                  .append(w.path("others_cpu_s").asText())
                  .append(" / ")
                  .append(w.path("busy_cpu_s").asText())
                  .append(w.has("steal_cpu_s") ? ", stolen " + w.path("steal_cpu_s").asText() : "")
                  .append(
                      w.path("disturbed").asBoolean()
                          ? " **disturbed** (" + w.path("disturbed_because").asText() + ")"
                          : "")
                  .append(" |\n");
            });

    b.append("\n## Scenarios\n\n");
    r.path("scenarios").fields().forEachRemaining(e -> scenario(b, e.getKey(), e.getValue()));

    b.append(
            "## Row writes per charged invoice\n\nFrom `pg_stat_user_tables` of each scenario's database (inserted / updated")
        .append(
            " (of which HOT) / deleted rows, divided by invoices charged).\n\n| scenario | table | inserted | updated | HOT | deleted |\n| --- | --- | --- | --- | --- | --- |\n");
    r.path("scenarios")
        .fields()
        .forEachRemaining(
            e -> {
              var w = e.getValue().path("row_writes_per_invoice");
              w.fields()
                  .forEachRemaining(
                      t -> {
                        if (t.getValue().isObject()) {
                          var v = t.getValue();
                          b.append("| ")
                              .append(e.getKey())
                              .append(" | ")
                              .append(t.getKey())
                              .append(" | ")
                              .append(v.path("inserted").asText())
                              .append(" | ")
                              .append(v.path("updated").asText())
                              .append(" | ")
                              .append(v.path("hot_updated").asText())
                              .append(" | ")
                              .append(v.path("deleted").asText())
                              .append(" |\n");
                        }
                      });
              if (w.has("total")) {
                b.append("| ")
                    .append(e.getKey())
                    .append(" | **all** | | | | **")
                    .append(w.path("total").asText())
                    .append(" rows** |\n");
              }
            });

    whereTheTimeGoes(b, r.path("scenarios"));

    b.append("\n## Machine and benchmark cluster\n\n| fact | value |\n| --- | --- |\n");
    m.fields()
        .forEachRemaining(
            e ->
                b.append("| ")
                    .append(e.getKey())
                    .append(" | ")
                    .append(e.getValue().asText())
                    .append(" |\n"));
    b.append("| jar | sha256 ")
        .append(run.path("jar_sha256").asText())
        .append(
            run.path("jar_built_by_harness").asBoolean()
                ? ", built by the harness from the commit"
                : ", given to the harness with --jar")
        .append(" |\n");
    var cl = r.path("cluster");
    b.append("\nThe harness's own PostgreSQL cluster `")
        .append(cl.path("name").asText())
        .append("` on port ")
        .append(cl.path("port").asText())
        .append(
            " (Debian's `pg_createcluster`; the machine's default server is not used). Written to its `conf.d` on every start: ");
    cl.path("settings_written")
        .fields()
        .forEachRemaining(
            e ->
                b.append('`')
                    .append(e.getKey())
                    .append(" = ")
                    .append(e.getValue().asText())
                    .append("` "));
    b.append("\n\n| setting (as the server reports it) | value |\n| --- | --- |\n");
    cl.path("settings")
        .fields()
        .forEachRemaining(
            e ->
                b.append("| ")
                    .append(e.getKey())
                    .append(" | ")
                    .append(e.getValue().asText())
                    .append(" |\n"));
    b.append("\n## Reproduce\n\n```sh\n")
        .append(run.path("command").asText())
        .append("\n```\n\n")
        .append(
            "`bench/run --help` lists the modes and sizes. The larger scenarios for the lead, on a quiet machine:\n\n```sh\n")
        .append(
            "bench/run --mode full                       # e2e 20,000, 1M at 100 ms, 10M-invoice database\n")
        .append(
            "bench/run --mode full --scenarios large     # only the 1,000,000-invoice run\n```\n");
    return b.toString();
  }

  private static void scenario(StringBuilder b, String name, JsonNode s) {
    b.append("### ").append(name).append("\n\n");
    var from = s.path("from_results");
    if (from.isObject()) {
      b.append("> From another harness run: **`")
          .append(from.path("file").asText())
          .append("`**, commit `")
          .append(from.path("commit").asText())
          .append("`, mode `")
          .append(from.path("mode").asText())
          .append("`, started ")
          .append(from.path("started_at").asText())
          .append(", load average at its start ")
          .append(from.path("loadavg_start").asText())
          .append(".\n\n");
    }
    if (s.has("error")) {
      b.append("**Failed:** ").append(s.path("error").asText()).append("\n\n");
      return;
    }
    switch (s.path("kind").asText()) {
      case "clients" -> {
        b.append("Provider HTTP clients against the real gateway (zero latency), ")
            .append(num(s.path("calls")))
            .append(" calls each at concurrency ")
            .append(s.path("concurrency").asInt())
            .append(" after a warm-up, same JSON in and out;")
            .append(
                " the client side measured as the harness JVM's CPU, the gateway's as its process's.\n\n")
            .append(
                "| client | CPU-µs per call (client) | CPU-µs per call (gateway) | calls/s | failed | machine busy CPU-s |\n| --- | --- | --- | --- | --- | --- |\n");
        s.fields()
            .forEachRemaining(
                e -> {
                  if (e.getValue().isObject()) {
                    var v = e.getValue();
                    b.append("| ")
                        .append(e.getKey())
                        .append(" | ")
                        .append(v.path("client_cpu_us_per_call").asText())
                        .append(" | ")
                        .append(v.path("gateway_cpu_us_per_call").asText())
                        .append(" | ")
                        .append(num(v.path("calls_per_s")))
                        .append(" | ")
                        .append(v.path("failed").asText())
                        .append(" | ")
                        .append(v.path("machine_busy_cpu_s").asText())
                        .append(" |\n");
                  }
                });
        b.append('\n');
        return;
      }
      case "ceiling" ->
          b.append("pgbench, ")
              .append(s.path("clients").asInt())
              .append(" clients, batch ")
              .append(s.path("batch").asInt())
              .append(", script `")
              .append(s.path("script").asText())
              .append("` (the engine's SQL, no provider, no JVM) on a fresh copy of the ")
              .append("same template as the end-to-end run: ")
              .append(num(s.path("paid")))
              .append(" of ")
              .append(num(s.path("invoices")))
              .append(" invoices paid in ")
              .append(s.path("span_s").asText())
              .append(" s, **")
              .append(num(s.path("invoices_per_s")))
              .append(" invoices/s** (")
              .append(s.path("batches_per_s").asText())
              .append(" batches/s).\n\n");
      case "big_database" -> {
        b.append(num(s.path("background_invoices")))
            .append(" invoices of earlier periods (")
            .append(num(s.path("invoice_rows")))
            .append(" invoice rows, ")
            .append(num(s.path("history_rows")))
            .append(" history rows, ")
            .append(s.path("database_mb").asText())
            .append(" MB, filled in ")
            .append(s.path("fill_s").asText())
            .append(" s and vacuumed), then a run of ")
            .append(num(s.path("invoices")))
            .append(" produced by `charon bill` and charged by one worker (x")
            .append(s.path("concurrency").asInt())
            .append(", zero latency) while a `charon server`")
            .append(" answered the console's overview reads: production **")
            .append(num(s.path("production").path("invoices_per_s")))
            .append(" invoices/s**, charging ")
            .append(num(s.path("invoices_per_s")))
            .append(" invoices/s, audit exit ")
            .append(s.path("audit_exit").asText())
            .append(".\n\n");
        b.append(
            "| read | when | requests | p50 ms | p95 ms | max ms |\n| --- | --- | --- | --- | --- | --- |\n");
        for (var when : List.of("reads_idle", "reads_during_run")) {
          s.path(when)
              .fields()
              .forEachRemaining(
                  e ->
                      b.append("| `")
                          .append(e.getKey())
                          .append("` | ")
                          .append(when.substring(6).replace('_', ' '))
                          .append(" | ")
                          .append(e.getValue().path("requests").asText())
                          .append(" | ")
                          .append(e.getValue().path("p50_ms").asText())
                          .append(" | ")
                          .append(e.getValue().path("p95_ms").asText())
                          .append(" | ")
                          .append(e.getValue().path("max_ms").asText())
                          .append(" |\n"));
        }
        b.append('\n');
      }
      default ->
          b.append(num(s.path("invoices")))
              .append(" invoices, ")
              .append(s.path("workers").asInt())
              .append(" worker(s) x ")
              .append(s.path("concurrency").asInt())
              .append(", gateway latency ")
              .append(s.path("latency_ms").asInt())
              .append(" ms, ")
              .append(s.path("transport").asText())
              .append(" transport: **")
              .append(num(s.path("invoices_per_s")))
              .append(" invoices/s** (database clock, ")
              .append(s.path("span_s").asText())
              .append(" s from first attempt to last outcome; `bill` wall ")
              .append(s.path("wall_s").asText())
              .append(" s). Production ")
              .append(num(s.path("production").path("invoices_per_s")))
              .append(" invoices/s. Batches: ")
              .append(s.path("batches").path("open_mean").asText())
              .append(" per open, ")
              .append(s.path("batches").path("record_mean").asText())
              .append(" per record. Statuses ")
              .append(s.path("statuses").toString())
              .append(", audit exit ")
              .append(s.path("audit_exit").asText())
              .append(" (")
              .append(s.path("audit_line").asText())
              .append(").\n\n");
    }
    var cpu = s.path("cpu_s");
    var steady = s.path("steady");
    if (steady.has("invoices")) {
      var c = steady.path("cpu_ms_per_invoice");
      b.append("Steady part (from ")
          .append(num(steady.path("from_settled")))
          .append(" invoices settled to the end: ")
          .append(num(steady.path("invoices")))
          .append(" invoices in ")
          .append(steady.path("window_s").asText())
          .append(" s, ")
          .append(num(steady.path("invoices_per_s")))
          .append(" invoices/s), CPU-ms per invoice: workers ")
          .append(c.path("workers").asText())
          .append(", PostgreSQL backends ")
          .append(c.path("postgres_backends").asText())
          .append(", PostgreSQL other ")
          .append(c.path("postgres_other").asText())
          .append(", producer (whole run) ")
          .append(c.path("producer").asText())
          .append(", **Charon ")
          .append(c.path("charon").asText())
          .append("**; gateway ")
          .append(c.path("gateway").asText())
          .append(".\n\n");
    }
    b.append("CPU seconds in the window: ");
    cpu.fields()
        .forEachRemaining(
            e -> b.append(e.getKey()).append(' ').append(e.getValue().asText()).append(", "));
    var w = s.path("machine");
    b.append("machine busy ")
        .append(w.path("busy_cpu_s").asText())
        .append(" of ")
        .append(w.path("available_cpu_s").asText())
        .append(" available in ")
        .append(w.path("window_s").asText())
        .append(" s.\n\n");
  }

  /** The other results files some scenarios were taken from, in order. */
  private static String otherSources(JsonNode r) {
    var files = new java.util.LinkedHashSet<String>();
    r.path("scenarios")
        .forEach(
            s -> {
              if (s.path("from_results").isObject()) {
                files.add(
                    "`"
                        + s.path("from_results").path("file").asText()
                        + "` (commit `"
                        + s.path("from_results").path("commit").asText()
                        + "`)");
              }
            });
    return String.join(", ", files);
  }

  /**
   * The profile of each scenario that has one: PostgreSQL's statements (pg_stat_statements) and
   * slow plans (auto_explain), and for the recorded JVMs their CPU by thread (/proc) and their Java
   * samples (JFR) by library bucket, top frame and Charon method.
   */
  private static void whereTheTimeGoes(StringBuilder b, JsonNode scenarios) {
    var any = new boolean[1];
    scenarios.fields().forEachRemaining(e -> any[0] |= e.getValue().has("profile"));
    if (!any[0]) {
      return;
    }
    b.append("\n## Where the time goes\n\n")
        .append(
            "Per scenario, from the same window as the CPU figures above. **PostgreSQL:** `pg_stat_statements`")
        .append(
            " (`track = all`) of the scenario database, reset when the window opened; ms are execution time")
        .append(
            " (waits included), per charged invoice; statements run inside trigger functions are marked *nested*: their")
        .append(
            " time is also inside the statement that fired them, and shares are of the top-level total. `[harness]` marks")
        .append(
            " the harness's own progress polls. **JVMs:** CPU by thread from `/proc` (JIT compiler, GC and kernel time")
        .append(
            " included; JFR's own threads are its overhead); the JFR recording's samples in the window (`jdk.ExecutionSample`:")
        .append(
            " Java code, every 10 ms per running thread; `jdk.CPUTimeSample` where the JDK has it: per 10 ms of a thread's")
        .append(
            " CPU, native code and system calls included) by bucket: the library of the first non-JDK frame from the top")
        .append(
            " (JDK code is charged to the library that called it), by top frame (self), and by Charon method on the stack.\n");
    scenarios
        .fields()
        .forEachRemaining(
            e -> {
              var p = e.getValue().path("profile");
              if (p.isMissingNode()) {
                return;
              }
              b.append("\n### ").append(e.getKey()).append("\n\n");
              statements(b, p);
              jvms(b, e.getValue(), p.path("jvm"));
            });
  }

  private static void statements(StringBuilder b, JsonNode p) {
    var st = p.path("pg_statements");
    if (st.isMissingNode()) {
      return;
    }
    b.append("**PostgreSQL:** top-level statements executed for ")
        .append(st.path("exec_ms_per_invoice").asText())
        .append(" ms per charged invoice in ")
        .append(st.path("toplevel_calls_per_invoice").asText())
        .append(" calls (")
        .append(num(st.path("toplevel_calls")))
        .append(" calls of ")
        .append(st.path("statements").asText())
        .append(" distinct statements; nested ")
        .append(num(st.path("nested_exec_ms")))
        .append(" ms in all). The scenario database's live backends used ")
        .append(st.path("backends_cpu_ms_per_invoice").asText())
        .append(" CPU-ms per invoice, the whole cluster ")
        .append(st.path("cluster_cpu_ms_per_invoice").asText())
        .append(" (execution time / cluster CPU ")
        .append(st.path("exec_over_cluster_cpu").asText())
        .append("). The ")
        .append(st.path("top").size())
        .append(" statements below hold ")
        .append(pct(st.path("top_toplevel_share")))
        .append(" of the top-level time.\n\n");
    b.append(
        "| # | statement | calls/invoice | rows | mean ms | ms/invoice | share | WAL bytes/call | I/O ms |\n"
            + "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    int i = 0;
    for (var s : st.path("top")) {
      b.append("| ")
          .append(++i)
          .append(" | ")
          .append(s.path("harness").asBoolean() ? "[harness] " : "")
          .append(s.path("toplevel").asBoolean() ? "" : "*nested* ")
          .append('`')
          .append(s.path("label").asText().replace("|", "\\|").replace("`", "'"))
          .append("` | ")
          .append(s.path("calls_per_invoice").asText())
          .append(" | ")
          .append(num(s.path("rows")))
          .append(" | ")
          .append(s.path("mean_ms").asText())
          .append(" | ")
          .append(s.path("ms_per_invoice").asText())
          .append(" | ")
          .append(pct(s.path("share")))
          .append(" | ")
          .append(num(s.path("wal_bytes_per_call")))
          .append(" | ")
          .append(s.path("io_ms").asText())
          .append(" |\n");
    }
    var slow = p.path("slow_plans");
    if (slow.path("count").asInt() > 0) {
      b.append("\n`auto_explain` logged ")
          .append(slow.path("count").asInt())
          .append(" plan(s) of statements slower than ")
          .append(slow.path("log_min_duration_ms").asInt())
          .append(" ms in the window, of ")
          .append(slow.path("distinct").size())
          .append(" distinct statement(s) (each with its first plan):\n");
      for (var d : slow.path("distinct")) {
        b.append("\n")
            .append(d.path("count").asInt())
            .append(" time(s), slowest ")
            .append(d.path("max_ms").asText())
            .append(" ms:\n\n```\n")
            .append(d.path("plan").asText())
            .append("\n```\n");
      }
    }
    b.append('\n');
  }

  private static void jvms(StringBuilder b, JsonNode s, JsonNode jvm) {
    if (jvm.isMissingNode() || jvm.size() == 0) {
      return;
    }
    double invoices = s.path("charged").asDouble();
    b.append("**JVM threads** (CPU-ms per charged invoice in the window, user + system):\n\n");
    b.append("| process | thread | user | system |\n| --- | --- | --- | --- |\n");
    jvm.fields()
        .forEachRemaining(
            e -> {
              var t = e.getValue().path("threads_cpu");
              b.append("| ")
                  .append(e.getKey())
                  .append(" | **all threads** | **")
                  .append(ms(t.path("user_s"), invoices))
                  .append("** | **")
                  .append(ms(t.path("system_s"), invoices))
                  .append("** |\n");
              int n = 0;
              for (var th : t.path("by_thread")) {
                if (++n > 8) {
                  break;
                }
                b.append("| ")
                    .append(e.getKey())
                    .append(" | `")
                    .append(th.path("thread").asText())
                    .append("` | ")
                    .append(ms(th.path("user_s"), invoices))
                    .append(" | ")
                    .append(ms(th.path("system_s"), invoices))
                    .append(" |\n");
              }
            });
    b.append('\n');
    var recorded = new java.util.ArrayList<String>();
    jvm.fields()
        .forEachRemaining(
            e -> {
              if (e.getValue().has("jfr")) {
                recorded.add(e.getKey());
              }
            });
    if (recorded.isEmpty()) {
      return;
    }
    // One column per process and sampler: Java execution samples, and CPU-time samples if taken.
    var columns = new java.util.LinkedHashMap<String, JsonNode>();
    for (var p : recorded) {
      var j = jvm.path(p).path("jfr");
      columns.put(p + " (Java)", j);
      if (j.has("cpu_time_samples")) {
        columns.put(p + " (CPU time)", j.path("cpu_time_samples"));
      }
    }
    b.append(
            "**JFR samples by bucket** (share of each process's samples; *Java* = `jdk.ExecutionSample`, threads running")
        .append(
            " Java code; *CPU time* = `jdk.CPUTimeSample`, one per 10 ms of a thread's CPU, native code and system")
        .append(" calls included):\n\n| bucket |");
    columns.keySet().forEach(c -> b.append(' ').append(c).append(" |"));
    b.append("\n| --- |").append(" --- |".repeat(columns.size())).append('\n');
    var buckets = new java.util.LinkedHashSet<String>();
    columns
        .values()
        .forEach(j -> j.path("buckets").forEach(x -> buckets.add(x.path("bucket").asText())));
    for (var bucket : buckets) {
      b.append("| ").append(bucket).append(" |");
      for (var j : columns.values()) {
        var share = "";
        for (var x : j.path("buckets")) {
          if (x.path("bucket").asText().equals(bucket)) {
            share = pct(x.path("share"));
          }
        }
        b.append(' ').append(share).append(" |");
      }
      b.append('\n');
    }
    b.append("| *samples* |");
    columns.values().forEach(j -> b.append(' ').append(num(j.path("samples"))).append(" |"));
    b.append(
        "\n\nGC pauses / JIT compilation in the window (ms of wall time, summed over collections and compile tasks;"
            + " the compiler threads' CPU is in the thread table): ");
    recorded.forEach(
        p ->
            b.append('`')
                .append(p)
                .append("` ")
                .append(jvm.path(p).path("jfr").path("gc_pause_ms").asText())
                .append(" / ")
                .append(jvm.path(p).path("jfr").path("jit_compilation_ms").asText())
                .append("; "));
    b.append('\n');
    b.append('\n');
    for (var p : recorded) {
      var j = jvm.path(p).path("jfr");
      b.append("\n`").append(p).append("` (").append(jvm.path(p).path("jfr_file").asText());
      b.append(
              "): top frames by self samples, and Charon methods on the stack (inclusive), of its ")
          .append(j.has("cpu_time_samples") ? "CPU-time" : "Java execution")
          .append(" samples\n\n");
      b.append(
          "| top frame (self) | share | Charon method (inclusive) | share |\n| --- | --- | --- | --- |\n");
      var sampled = j.has("cpu_time_samples") ? j.path("cpu_time_samples") : j;
      var frames = sampled.path("top_frames");
      var charon = sampled.path("charon_inclusive");
      for (int i = 0; i < Math.max(Math.min(10, frames.size()), Math.min(10, charon.size())); i++) {
        b.append("| ")
            .append(i < frames.size() ? "`" + frames.get(i).path("frame").asText() + "`" : "")
            .append(" | ")
            .append(i < frames.size() ? pct(frames.get(i).path("share")) : "")
            .append(" | ")
            .append(i < charon.size() ? "`" + charon.get(i).path("frame").asText() + "`" : "")
            .append(" | ")
            .append(i < charon.size() ? pct(charon.get(i).path("share")) : "")
            .append(" |\n");
      }
    }
    b.append('\n');
  }

  private static String pct(JsonNode share) {
    return String.format("%.1f %%", share.asDouble() * 100);
  }

  private static String ms(JsonNode seconds, double invoices) {
    return invoices > 0 ? String.format("%.3f", seconds.asDouble() * 1000 / invoices) : "";
  }

  private static String num(JsonNode n) {
    return n.isNumber() ? String.format("%,.0f", n.asDouble()) : n.asText();
  }
}
