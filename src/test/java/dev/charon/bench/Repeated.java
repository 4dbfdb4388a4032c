package dev.charon.bench;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The BENCHMARKS.md section of repeated runs and the baseline A/B ({@link Repeats}): medians over
 * undisturbed runs, or a plain statement that none could be had.
 */
final class Repeated {
  private Repeated() {}

  static void render(JsonNode r, StringBuilder b) {
    var c = r.path("comparison");
    if (c.isMissingNode()) {
      return;
    }
    var run = r.path("run");
    var baseline = run.path("baseline");
    b.append("## Repeated runs")
        .append(baseline.isMissingNode() ? "" : " against a baseline")
        .append(" (issue 26)\n\n");
    b.append("Each scenario ran ")
        .append(run.path("repeats").asInt())
        .append(" times for commit `")
        .append(run.path("commit").asText())
        .append("`");
    if (!baseline.isMissingNode()) {
      b.append(" and as often for the baseline `")
          .append(baseline.path("commit").asText())
          .append("` (")
          .append(baseline.path("commit_subject").asText())
          .append("), alternating in this one invocation (A B, B A, A B ...)");
    }
    b.append(
        ". Medians are over the undisturbed runs of each side; where every run was disturbed, over all of them, and the table says so. ");
    var ref = c.path("reference");
    if (ref.has("cpu_ms_per_invoice")) {
      b.append("Reference for ratios: ")
          .append(ref.path("what").asText())
          .append(", ")
          .append(ref.path("side").asText())
          .append(" median **")
          .append(ref.path("cpu_ms_per_invoice").asText())
          .append(" CPU-ms** (over ")
          .append(ref.path("over").asText())
          .append(" runs); a cost's ratio is its median over this.\n\n");
    } else {
      b.append(ref.path("missing").asText()).append(".\n\n");
    }
    if (!c.path("undisturbed_target_runs_exist").asBoolean()) {
      b.append(
              "> **No undisturbed figures could be had in this run:** every window of the measured commit had more than ")
          .append(Math.round(Disturbance.LIMIT * 100))
          .append(
              "% of its CPU stolen or used by other processes (each run's shares are in the results file, under `runs`). The medians below are of disturbed runs: read the side-by-side changes and ratios, not the absolute figures.\n\n");
    }
    b.append(
        "| scenario | figure | target median | spread | runs (undisturbed) | ratio to ref. | baseline median | spread | runs (undisturbed) | ratio to ref. | change | medians over |\n");
    b.append("|" + " --- |".repeat(12) + "\n");
    c.path("scenarios")
        .fields()
        .forEachRemaining(
            e -> {
              var s = e.getValue();
              var t = s.path("target");
              var bl = s.path("baseline");
              var fields = t.isMissingNode() ? bl.fieldNames() : t.fieldNames();
              fields.forEachRemaining(
                  f -> {
                    var tm = t.path(f);
                    if (!tm.isObject()) {
                      return;
                    }
                    var bm = bl.path(f);
                    var ch = s.path("change").path(f);
                    b.append("| ").append(e.getKey()).append(" | ").append(f).append(" | ");
                    cells(b, tm, t);
                    cells(b, bm, bl);
                    b.append(ch.isMissingNode() ? "" : signed(ch.path("percent").asDouble()) + "%")
                        .append(" | ")
                        .append(tm.path("over").asText())
                        .append(bm.isMissingNode() ? "" : " / " + bm.path("over").asText())
                        .append(" |\n");
                  });
            });
    b.append("\n");
  }

  private static void cells(StringBuilder b, JsonNode m, JsonNode side) {
    if (m.isMissingNode()) {
      b.append(" | | | | ");
      return;
    }
    b.append("**")
        .append(m.path("median").asText())
        .append("** | ")
        .append(Math.round(m.path("spread").asDouble() * 100))
        .append("% | ")
        .append(side.path("runs").asInt())
        .append(" (")
        .append(side.path("undisturbed_runs").asInt())
        .append(") | ")
        .append(m.has("ratio_to_reference") ? m.path("ratio_to_reference").asText() : "")
        .append(" | ");
  }

  private static String signed(double v) {
    return (v > 0 ? "+" : "") + v;
  }
}
