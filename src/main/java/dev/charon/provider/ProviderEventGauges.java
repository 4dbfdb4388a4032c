package dev.charon.provider;

import dev.charon.ops.PolledValue;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.jdbi.v3.core.Jdbi;

/**
 * The provider's events an operator has to look at, read from the database by every server (so they
 * survive restarts, unlike the counters): {@code charon_provider_events_waiting} (received, not
 * applied yet), {@code charon_provider_events_unmatched} and {@code charon_provider_events_failed}
 * (kept, never retried: {@code GET /rest/v1/provider-events?status=UNMATCHED}).
 */
public final class ProviderEventGauges {
  private ProviderEventGauges() {}

  record Counts(double waiting, double unmatched, double failed) {}

  public static void register(Jdbi jdbi, MeterRegistry metrics) {
    var counts =
        new PolledValue<>(
            "provider events",
            () ->
                jdbi.withHandle(
                    h ->
                        h.createQuery(
                                """
                                select count(*) filter (where status = 'RECEIVED') as waiting,
                                       count(*) filter (where status = 'UNMATCHED') as unmatched,
                                       count(*) filter (where status = 'FAILED') as failed
                                from provider_event where status in ('RECEIVED', 'UNMATCHED', 'FAILED')""")
                            .map(
                                (rs, ctx) ->
                                    new Counts(
                                        rs.getDouble("waiting"),
                                        rs.getDouble("unmatched"),
                                        rs.getDouble("failed")))
                            .one()),
            Duration.ofSeconds(5),
            new Counts(0, 0, 0));
    // Gauges hold their object weakly: nothing else keeps this reading alive.
    Gauge.builder("charon.provider.events.waiting", counts, c -> c.get().waiting())
        .description("Provider events stored and not applied yet")
        .strongReference(true)
        .register(metrics);
    Gauge.builder("charon.provider.events.unmatched", counts, c -> c.get().unmatched())
        .description("Provider events about something Charon cannot place, kept for an operator")
        .strongReference(true)
        .register(metrics);
    Gauge.builder("charon.provider.events.failed", counts, c -> c.get().failed())
        .description("Provider events whose applying failed five times, kept for an operator")
        .strongReference(true)
        .register(metrics);
  }
}
