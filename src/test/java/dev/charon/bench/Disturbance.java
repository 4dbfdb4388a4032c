package dev.charon.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Whether a measurement window was disturbed (issue 26): the CPU time stolen by the hypervisor
 * (/proc/stat) and the CPU other processes used, each as a share of the window's available CPU
 * (wall time x cores). Either above {@link #LIMIT} marks the window disturbed: its figures are
 * kept, but medians and BENCHMARKS.md prefer undisturbed windows and say so when none were had.
 */
final class Disturbance {
  static final double LIMIT = 0.05;

  private Disturbance() {}

  /**
   * Writes {@code steal_cpu_s}, {@code others_cpu_s} (busy time neither stolen nor used by the
   * measured processes), their shares and {@code disturbed} (with why) into {@code node}.
   */
  static void judge(
      ObjectNode node, double availableCpuS, double busyCpuS, double stealCpuS, double measured) {
    double others = Math.max(0, busyCpuS - stealCpuS - measured);
    double stealShare = availableCpuS > 0 ? stealCpuS / availableCpuS : 0;
    double othersShare = availableCpuS > 0 ? others / availableCpuS : 0;
    node.put("steal_cpu_s", Bench.round(stealCpuS, 2));
    node.put("others_cpu_s", Bench.round(others, 2));
    node.put("steal_share", Bench.round(stealShare, 4));
    node.put("others_share", Bench.round(othersShare, 4));
    boolean disturbed = stealShare > LIMIT || othersShare > LIMIT;
    node.put("disturbed", disturbed);
    if (disturbed) {
      node.put(
          "disturbed_because",
          (stealShare > LIMIT ? "stolen CPU " + pct(stealShare) + " of the window" : "")
              + (stealShare > LIMIT && othersShare > LIMIT ? "; " : "")
              + (othersShare > LIMIT
                  ? "other processes " + pct(othersShare) + " of the window"
                  : ""));
    }
  }

  /** Whether a scenario's result was measured in a disturbed window (anywhere it says so). */
  static boolean disturbed(com.fasterxml.jackson.databind.JsonNode scenario) {
    if (scenario.path("machine").path("disturbed").asBoolean(false)) {
      return true;
    }
    for (var client : scenario) {
      if (client.isObject() && client.path("disturbed").asBoolean(false)) {
        return true;
      }
    }
    return false;
  }

  private static String pct(double share) {
    return Bench.round(share * 100, 1) + "%";
  }
}
