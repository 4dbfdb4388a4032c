package dev.charon.ratelimit;

import dev.charon.testing.Http;

/** Reads one metric from a process's {@code /metrics} (Prometheus text), summed over its labels. */
final class Scrape {
  private Scrape() {}

  static double sum(String base, String metric) {
    var response = new Http(base).get("/metrics");
    if (response.status() != 200) {
      throw new IllegalStateException(base + "/metrics answered " + response.status());
    }
    double total = 0;
    boolean found = false;
    for (var line : response.body().split("\n")) {
      if (line.startsWith(metric + " ") || line.startsWith(metric + "{")) {
        total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        found = true;
      }
    }
    if (!found) {
      throw new IllegalStateException(base + "/metrics has no " + metric);
    }
    return total;
  }
}
