package dev.charon.ops;

import dev.charon.api.HttpApi;
import io.javalin.config.RoutesConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * {@code /metrics} (Prometheus text format) and {@code /health/live}, {@code /health/ready} in the
 * shape Kubernetes probes expect: 200 when fine, 503 with the failing checks when not ready.
 */
public final class OpsRoutes implements HttpApi.Module {
  private final PrometheusMeterRegistry registry;
  private final Map<String, BooleanSupplier> readiness;

  /** {@code readiness}: named checks (database, broker, scheduler) that must all pass. */
  public OpsRoutes(PrometheusMeterRegistry registry, Map<String, BooleanSupplier> readiness) {
    this.registry = registry;
    this.readiness = new LinkedHashMap<>(readiness);
  }

  @Override
  public void routes(RoutesConfig routes) {
    routes.get(
        "/metrics",
        ctx ->
            ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape()));
    routes.get("/health/live", ctx -> ctx.json(Map.of("status", "UP")));
    routes.get(
        "/health/ready",
        ctx -> {
          var checks = new LinkedHashMap<String, String>();
          boolean ready = true;
          for (var check : readiness.entrySet()) {
            boolean up = safely(check.getValue());
            checks.put(check.getKey(), up ? "UP" : "DOWN");
            ready &= up;
          }
          ctx.status(ready ? 200 : 503)
              .json(Map.of("status", ready ? "UP" : "DOWN", "checks", checks));
        });
  }

  private static boolean safely(BooleanSupplier check) {
    try {
      return check.getAsBoolean();
    } catch (RuntimeException e) {
      return false;
    }
  }
}
