package dev.charon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Repeated runs and a baseline measured in one invocation (issue 26): per scenario and side
 * (target, baseline) the median, spread and count of each headline figure, over the undisturbed
 * runs when there are any ({@link Disturbance}), else over all of them and marked so; the change of
 * the target's median against the baseline's; and each cost also as a ratio to a reference measured
 * in the same invocation (the pgbench ceiling's CPU per invoice, which runs no JVM), so that two
 * results files can be compared even when the host was slower for one of them.
 */
final class Repeats {
  /** The headline figures of each kind of scenario: JSON path, and whether it is a cost. */
  record Metric(String name, String path, boolean cost) {}

  static final Map<String, List<Metric>> METRICS =
      Map.of(
          "charge",
          List.of(
              new Metric("invoices_per_s", "invoices_per_s", false),
              new Metric("charon_cpu_ms_per_invoice", "cpu_ms_per_invoice/charon", true),
              new Metric(
                  "charon_steady_cpu_ms_per_invoice", "steady/cpu_ms_per_invoice/charon", true),
              new Metric("workers_cpu_ms_per_invoice", "cpu_ms_per_invoice/workers", true),
              new Metric("gateway_cpu_ms_per_invoice", "cpu_ms_per_invoice/gateway", true),
              new Metric("row_writes_per_invoice", "row_writes_per_invoice/total", false),
              new Metric("refunds_per_s", "refund/refunds_per_s", false),
              new Metric("charon_cpu_ms_per_refund", "refund/cpu_ms_per_invoice/charon", true),
              new Metric("gateway_cpu_ms_per_refund", "refund/cpu_ms_per_invoice/gateway", true),
              new Metric("row_writes_per_refund", "refund/row_writes_per_invoice/total", false)),
          "ceiling",
          List.of(
              new Metric("invoices_per_s", "invoices_per_s", false),
              new Metric("charon_cpu_ms_per_invoice", "cpu_ms_per_invoice/charon", true)),
          "clients",
          List.of(
              new Metric(
                  "gateway_cpu_ms_per_call_jetty", "jetty_client/gateway_cpu_us_per_call", true),
              new Metric(
                  "gateway_cpu_ms_per_call_jdk", "jdk_httpclient/gateway_cpu_us_per_call", true),
              new Metric("calls_per_s_jetty", "jetty_client/calls_per_s", false)));

  static final String REFERENCE = "ceiling_c2";

  private Repeats() {}

  static ObjectNode compare(ArrayNode runs, ObjectNode scenarios) {
    var out = Bench.JSON.createObjectNode();
    out.put("disturbed_limit", Disturbance.LIMIT);
    // scenario -> side -> runs
    var bySide = new LinkedHashMap<String, Map<String, List<JsonNode>>>();
    for (var run : runs) {
      bySide
          .computeIfAbsent(run.path("scenario").asText(), k -> new LinkedHashMap<>())
          .computeIfAbsent(run.path("side").asText(), k -> new ArrayList<>())
          .add(run);
    }
    boolean withBaseline =
        bySide.values().stream().anyMatch(sides -> sides.containsKey("baseline"));
    // The reference: the ceiling's CPU per invoice, of the baseline when there is one (the same
    // commit's SQL in every invocation that names it), else of the target.
    var refSide = withBaseline ? "baseline" : "target";
    var refRuns = bySide.getOrDefault(REFERENCE, Map.of()).getOrDefault(refSide, List.of());
    var refStats = stats(refRuns, "cpu_ms_per_invoice/charon");
    var reference = out.putObject("reference");
    reference.put("scenario", REFERENCE);
    reference.put("side", refSide);
    reference.put("what", "CPU-ms per invoice of the pgbench ceiling (PostgreSQL only, no JVM)");
    Double ref = refStats == null ? null : refStats.median;
    if (ref != null) {
      reference.put("cpu_ms_per_invoice", ref);
      reference.put("over", refStats.basis);
    } else {
      reference.put("missing", "no " + REFERENCE + " run: costs are not stated as ratios");
    }
    var scenariosOut = out.putObject("scenarios");
    boolean anyUndisturbed = false;
    for (var entry : bySide.entrySet()) {
      var name = entry.getKey();
      var sides = entry.getValue();
      var kind = kindOf(sides);
      var s = scenariosOut.putObject(name);
      s.put("kind", kind);
      for (var side : sides.entrySet()) {
        var sn = s.putObject(side.getKey());
        var list = side.getValue();
        long undisturbed = list.stream().filter(r -> !r.path("disturbed").asBoolean()).count();
        anyUndisturbed |= undisturbed > 0 && side.getKey().equals("target");
        sn.put("runs", list.size());
        sn.put("undisturbed_runs", undisturbed);
        sn.put("commit", list.get(0).path("commit").asText());
        for (var metric : METRICS.getOrDefault(kind, List.of())) {
          var st = stats(list, metric.path);
          if (st == null) {
            continue;
          }
          var m = sn.putObject(metric.name);
          double scale = metric.path.contains("_us_per_call") ? 1e-3 : 1; // stated in CPU-ms
          m.put("median", Bench.round(st.median * scale, 4));
          m.put("min", Bench.round(st.min * scale, 4));
          m.put("max", Bench.round(st.max * scale, 4));
          m.put("spread", Bench.round(st.median == 0 ? 0 : (st.max - st.min) / st.median, 3));
          m.put("n", st.n);
          m.put("over", st.basis);
          var values = m.putArray("values");
          st.values.forEach(v -> values.add(Bench.round(v * scale, 4)));
          if (metric.cost && ref != null && ref > 0) {
            m.put("ratio_to_reference", Bench.round(st.median * scale / ref, 3));
          }
        }
      }
      if (sides.containsKey("target") && sides.containsKey("baseline")) {
        var change = s.putObject("change");
        for (var metric : METRICS.getOrDefault(kind, List.of())) {
          var t = s.path("target").path(metric.name);
          var b = s.path("baseline").path(metric.name);
          if (t.isMissingNode() || b.isMissingNode() || b.path("median").asDouble() == 0) {
            continue;
          }
          var c = change.putObject(metric.name);
          c.put(
              "target_over_baseline",
              Bench.round(t.path("median").asDouble() / b.path("median").asDouble(), 3));
          c.put(
              "percent",
              Bench.round(
                  (t.path("median").asDouble() / b.path("median").asDouble() - 1) * 100, 1));
          c.put(
              "both_undisturbed",
              t.path("over").asText().equals("undisturbed")
                  && b.path("over").asText().equals("undisturbed"));
        }
      }
      // BENCHMARKS.md shows the target's median run (by Charon's cost, or the first metric).
      var targets = sides.get("target");
      if (targets != null) {
        var chosen = medianRun(targets, kind);
        var copy = chosen.path("result").deepCopy();
        if (copy instanceof ObjectNode node) {
          var repeat = node.putObject("repeat");
          repeat.put("round", chosen.path("round").asInt());
          repeat.put("of_runs", targets.size());
          repeat.put("disturbed", chosen.path("disturbed").asBoolean());
          scenarios.set(name, node);
        }
      }
    }
    out.put("undisturbed_target_runs_exist", anyUndisturbed);
    return out;
  }

  private static String kindOf(Map<String, List<JsonNode>> sides) {
    for (var list : sides.values()) {
      for (var run : list) {
        var kind = run.path("result").path("kind").asText("");
        if (!kind.isEmpty()) {
          return kind;
        }
      }
    }
    return "unknown";
  }

  /** The run whose first cost is the median, among undisturbed runs when there are any. */
  private static JsonNode medianRun(List<JsonNode> runs, String kind) {
    var pool = runs.stream().filter(r -> !r.path("disturbed").asBoolean()).toList();
    if (pool.isEmpty()) {
      pool = runs;
    }
    var metric =
        METRICS.getOrDefault(kind, List.of()).stream()
            .filter(Metric::cost)
            .findFirst()
            .map(Metric::path)
            .orElse("invoices_per_s");
    var sorted = new ArrayList<>(pool);
    sorted.sort(
        java.util.Comparator.comparingDouble(r -> at(r.path("result"), metric).asDouble(0)));
    return sorted.get((sorted.size() - 1) / 2);
  }

  record Stats(int n, double median, double min, double max, String basis, List<Double> values) {}

  /** Over the undisturbed runs that have the figure, else over every run that has it. */
  static Stats stats(List<JsonNode> runs, String path) {
    var undisturbed =
        values(runs.stream().filter(r -> !r.path("disturbed").asBoolean()).toList(), path);
    if (!undisturbed.isEmpty()) {
      return of(undisturbed, "undisturbed");
    }
    var all = values(runs, path);
    return all.isEmpty() ? null : of(all, "all (every run disturbed)");
  }

  private static List<Double> values(List<JsonNode> runs, String path) {
    var out = new ArrayList<Double>();
    for (var run : runs) {
      var v = at(run.path("result"), path);
      if (v.isNumber()) {
        out.add(v.asDouble());
      }
    }
    return out;
  }

  private static Stats of(List<Double> values, String basis) {
    var sorted = new ArrayList<>(values);
    sorted.sort(Double::compare);
    int n = sorted.size();
    double median =
        n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    return new Stats(n, median, sorted.get(0), sorted.get(n - 1), basis, values);
  }

  static JsonNode at(JsonNode node, String path) {
    var current = node;
    for (var part : path.split("/")) {
      current = current.path(part);
    }
    return current;
  }
}
