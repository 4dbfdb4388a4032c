package dev.charon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Issue 17's targets, judged from the figures of this run only; a target not run at full size says
 * so.
 */
final class Targets {
  private Targets() {}

  static void evaluate(ObjectNode results) {
    var s = results.path("scenarios").deepCopy();
    // A failed scenario has no figures to judge.
    if (s.isObject()) {
      var failed = new java.util.ArrayList<String>();
      s.fields()
          .forEachRemaining(
              e -> {
                if (e.getValue().has("error")) {
                  failed.add(e.getKey());
                }
              });
      ((ObjectNode) s).remove(failed);
    }
    var targets = results.putArray("targets");
    var e2e = s.path("e2e_w1");
    if (!e2e.isMissingNode()) {
      double cost = e2e.path("cpu_ms_per_invoice").path("charon").asDouble();
      add(
          targets.addObject(),
          "charon_cost_zero_latency",
          "Charon's own CPU (workers + producer + PostgreSQL) per invoice at zero latency",
          "<= 0.35 CPU-ms",
          cost + " CPU-ms",
          cost <= 0.35,
          true,
          "e2e_w1");
      var steady = e2e.path("steady").path("cpu_ms_per_invoice");
      if (steady.has("charon")) {
        double warm = steady.path("charon").asDouble();
        add(
            targets.addObject(),
            "charon_cost_zero_latency_steady",
            "the same, warm: from a quarter of the run settled to its end (the JIT's warm-up left out)",
            "<= 0.35 CPU-ms",
            warm + " CPU-ms",
            warm <= 0.35,
            true,
            "e2e_w1 steady");
      }
    }
    double ceiling =
        Math.max(
            s.path("ceiling_c2").path("invoices_per_s").asDouble(),
            s.path("ceiling_c4").path("invoices_per_s").asDouble());
    if (!e2e.isMissingNode() && ceiling > 0) {
      double ratio = Bench.round(e2e.path("invoices_per_s").asDouble() / ceiling, 3);
      add(
          targets.addObject(),
          "end_to_end_vs_ceiling",
          "end to end (1 worker, gateway on the same cores) / pgbench ceiling",
          ">= 0.3",
          String.valueOf(ratio),
          ratio >= 0.3,
          true,
          "e2e_w1, ceiling_c2/c4");
    }
    var large = s.path("large");
    if (!large.isMissingNode()) {
      long n = large.path("invoices").asLong();
      double wall = large.path("wall_s").asDouble();
      boolean full = n >= 1_000_000;
      double projected =
          Bench.round(1_000_000 / Math.max(1, large.path("invoices_per_s").asDouble()), 0);
      add(
          targets.addObject(),
          "one_million_at_100ms",
          "1,000,000 invoices at " + large.path("latency_ms").asInt() + " ms, one worker",
          "< 300 s",
          full
              ? wall + " s"
              : n + " invoices in " + wall + " s (1M at this rate: " + projected + " s)",
          full ? wall < 300 : null,
          full,
          "large");
    }
    var big = s.path("big_database");
    if (!big.isMissingNode()) {
      boolean full = big.path("background_invoices").asLong() >= 10_000_000;
      var paths = new java.util.ArrayList<>(BigDatabase.PROBES);
      paths.add(BigDatabase.RUN_PROBE);
      for (var path : paths) {
        if (big.path("reads_during_run").path(path).isMissingNode()) {
          continue;
        }
        double p95 = big.path("reads_during_run").path(path).path("p95_ms").asDouble();
        add(
            targets.addObject(),
            "big_database_read " + path,
            "console read p95 during a run, " + big.path("invoice_rows").asLong() + " invoices",
            "< 200 ms",
            p95 + " ms",
            full ? p95 < 200 : null,
            full,
            "big_database");
      }
      double small = e2e.path("production").path("invoices_per_s").asDouble();
      double bigRate = big.path("production").path("invoices_per_s").asDouble();
      if (small > 0) {
        double ratio = Bench.round(bigRate / small, 2);
        add(
            targets.addObject(),
            "big_database_production",
            "production rate on the large database / on the e2e database",
            ">= 0.9 (full speed)",
            ratio + " (" + bigRate + " vs " + small + " invoices/s)",
            full ? ratio >= 0.9 : null,
            full,
            "big_database, e2e_w1");
      }
    }
  }

  private static void add(
      ObjectNode t,
      String id,
      String what,
      String target,
      String measured,
      Boolean met,
      boolean fullSize,
      String from) {
    t.put("id", id);
    t.put("what", what);
    t.put("target", target);
    t.put("measured", measured);
    if (met == null) {
      t.putNull("met");
    } else {
      t.put("met", met);
    }
    t.put("full_size", fullSize);
    t.put("from", from);
  }

  static String met(JsonNode t) {
    return t.path("met").isNull()
        ? "not judged (not at full size)"
        : t.path("met").asBoolean() ? "yes" : "**no**";
  }
}
