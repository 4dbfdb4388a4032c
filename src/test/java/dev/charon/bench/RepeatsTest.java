package dev.charon.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** Repeated runs against a baseline: medians, spread, change, ratios, and disturbed windows. */
class RepeatsTest {

  private static void run(
      ArrayNode runs,
      String scenario,
      String kind,
      String side,
      int round,
      double perSecond,
      double cpu,
      boolean disturbed) {
    var entry = runs.addObject();
    entry.put("scenario", scenario).put("side", side).put("round", round);
    entry.put("commit", side.equals("target") ? "aaaaaaa" : "bbbbbbb");
    entry.put("disturbed", disturbed);
    var result = entry.putObject("result");
    result.put("kind", kind).put("invoices_per_s", perSecond);
    result.putObject("cpu_ms_per_invoice").put("charon", cpu);
    result.putObject("machine").put("disturbed", disturbed);
  }

  @Test
  void medians_prefer_undisturbed_runs_and_costs_are_stated_against_the_baselines_ceiling() {
    var runs = Bench.JSON.createArrayNode();
    run(runs, "e2e_w1", "charge", "target", 1, 1000, 0.5, false);
    run(runs, "e2e_w1", "charge", "baseline", 1, 800, 1.0, false);
    run(runs, "e2e_w1", "charge", "baseline", 2, 700, 1.2, false);
    run(runs, "e2e_w1", "charge", "target", 2, 900, 0.6, false);
    run(runs, "e2e_w1", "charge", "target", 3, 200, 3.0, true); // a neighbour's build
    run(runs, "e2e_w1", "charge", "baseline", 3, 900, 0.8, false);
    for (int round = 1; round <= 3; round++) {
      run(runs, "ceiling_c2", "ceiling", "target", round, 10000, 0.2, false);
      run(runs, "ceiling_c2", "ceiling", "baseline", round, 9000, 0.25, false);
    }
    var scenarios = Bench.JSON.createObjectNode();

    var c = Repeats.compare(runs, scenarios);

    var e2e = c.path("scenarios").path("e2e_w1");
    var target = e2e.path("target").path("charon_cpu_ms_per_invoice");
    assertThat(target.path("median").asDouble()).isEqualTo(0.55); // the disturbed 3.0 left out
    assertThat(target.path("n").asInt()).isEqualTo(2);
    assertThat(target.path("over").asText()).isEqualTo("undisturbed");
    assertThat(e2e.path("baseline").path("charon_cpu_ms_per_invoice").path("median").asDouble())
        .isEqualTo(1.0);
    assertThat(target.path("ratio_to_reference").asDouble()).isEqualTo(2.2); // 0.55 / 0.25
    assertThat(e2e.path("change").path("charon_cpu_ms_per_invoice").path("percent").asDouble())
        .isEqualTo(-45.0);
    assertThat(c.path("reference").path("side").asText()).isEqualTo("baseline");
    // BENCHMARKS.md's scenario is the target's median undisturbed run.
    assertThat(scenarios.path("e2e_w1").path("repeat").path("disturbed").asBoolean()).isFalse();
    assertThat(c.path("undisturbed_target_runs_exist").asBoolean()).isTrue();
  }

  @Test
  void when_every_run_was_disturbed_benchmarks_md_says_so_plainly() {
    var runs = Bench.JSON.createArrayNode();
    for (int round = 1; round <= 3; round++) {
      run(runs, "e2e_w1", "charge", "target", round, 500, 2.0 + round, true);
      run(runs, "e2e_w1", "charge", "baseline", round, 400, 3.0 + round, true);
    }
    var r = Bench.JSON.createObjectNode();
    r.putObject("run").put("commit", "aaaaaaa").put("repeats", 3);
    r.with("run").putObject("baseline").put("commit", "bbbbbbb");
    r.putObject("machine").put("nproc", 2);
    var scenarios = r.putObject("scenarios");

    r.set("comparison", Repeats.compare(runs, (ObjectNode) scenarios));
    var md = Report.render(r, "bench/results/x.json");

    assertThat(
            r.path("comparison")
                .path("scenarios")
                .path("e2e_w1")
                .path("target")
                .path("charon_cpu_ms_per_invoice")
                .path("over")
                .asText())
        .isEqualTo("all (every run disturbed)");
    assertThat(md)
        .contains("No undisturbed figures could be had in this run")
        .contains("| e2e_w1 | charon_cpu_ms_per_invoice | **4.0** |");
  }
}
