package dev.charon.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** BENCHMARKS.md rendered from one results file plus the scenarios of others (`render --with`). */
class RenderTest {

  private static ObjectNode results(String commit, String scenario, ObjectNode figures) {
    var r = Bench.JSON.createObjectNode();
    r.putObject("run").put("commit", commit).put("mode", "full").put("started_at", "t-" + commit);
    r.putObject("machine").put("loadavg_start", "1.0 1.0 1.0").put("nproc", 2);
    r.putObject("scenarios").set(scenario, figures);
    return r;
  }

  @Test
  void a_scenario_from_another_run_is_added_labelled_and_judged() {
    var medium =
        results(
            "aaaaaaa",
            "e2e_w1",
            Bench.JSON
                .createObjectNode()
                .put("kind", "charge")
                .put("invoices_per_s", 600.0)
                .set("cpu_ms_per_invoice", Bench.JSON.createObjectNode().put("charon", 2.3)));
    var large =
        Bench.JSON
            .createObjectNode()
            .put("kind", "charge")
            .put("invoices", 1_000_000)
            .put("latency_ms", 100)
            .put("wall_s", 1800.0)
            .put("invoices_per_s", 560.0);
    var other = results("bbbbbbb", "large", large);
    other.with("scenarios").set("e2e_w1", Bench.JSON.createObjectNode().put("invoices_per_s", 1));

    Bench.Render.merge(medium, other, "bench/results/x-bbbbbbb.json");

    // The medium run's own e2e stays; the large run is added with where it comes from.
    assertThat(medium.path("scenarios").path("e2e_w1").path("invoices_per_s").asDouble())
        .isEqualTo(600.0);
    assertThat(medium.path("scenarios").path("large").path("from_results").path("commit").asText())
        .isEqualTo("bbbbbbb");
    assertThat(medium.path("targets").findValuesAsText("id")).contains("one_million_at_100ms");
    var md = Report.render(medium, "bench/results/x-aaaaaaa.json");
    assertThat(md)
        .contains("From another harness run: **`bench/results/x-bbbbbbb.json`**, commit `bbbbbbb`")
        .contains("except the scenarios marked as coming from another run");
  }
}
