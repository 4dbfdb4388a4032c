package dev.charon.audit;

import dev.charon.api.Json;
import dev.charon.ops.PolledValue;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The last completed standing audit as gauges, on every server whichever ran it: {@code
 * charon_audit_differences{kind}} (NaN before the first audit completed) and {@code
 * charon_audit_last_completed_timestamp_seconds}, so an alert sees differences and an audit that
 * stopped completing alike.
 */
public final class AuditGauges {
  private AuditGauges() {}

  public static void register(Jdbi jdbi, MeterRegistry metrics) {
    var results = new AuditResults(Json.mapper());
    var last =
        new PolledValue<Optional<AuditResults.Stored>>(
            "the last audit result",
            () -> jdbi.withHandle(results::lastCompleted),
            Duration.ofSeconds(5),
            Optional.empty());
    for (var kind : Auditor.KINDS) {
      Gauge.builder(
              "charon.audit.differences",
              last,
              l ->
                  l.get()
                      .map(r -> (double) r.differences().getOrDefault(kind, 0L))
                      .orElse(Double.NaN))
          .description("Differences the last completed standing audit found, by kind")
          .tag("kind", kind)
          // Gauges hold their object weakly: nothing else keeps this reading alive.
          .strongReference(true)
          .register(metrics);
    }
    Gauge.builder(
            "charon.audit.last.completed.timestamp",
            last,
            l -> l.get().map(r -> r.finishedAt().toEpochMilli() / 1000.0).orElse(Double.NaN))
        .description("When the last standing audit that read the provider's ledger finished")
        .baseUnit("seconds")
        // Gauges hold their object weakly: nothing else keeps this reading alive.
        .strongReference(true)
        .register(metrics);
  }
}
