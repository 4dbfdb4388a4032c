package dev.charon.app;

import dev.charon.config.Env;

/**
 * Where a role without the REST API (worker) serves {@code /metrics} and {@code /health/*}: {@code
 * CHARON_METRICS_PORT}, default 9464 (Prometheus' convention); 0 picks a free port.
 */
public record OpsSettings(String host, int port) {
  public static OpsSettings from(Env env) {
    return new OpsSettings(
        env.string("CHARON_HTTP_HOST", "0.0.0.0"),
        env.integer("CHARON_METRICS_PORT", 9464, 0, 65535));
  }
}
