package dev.charon.charging;

import dev.charon.ops.PolledValue;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.jdbi.v3.core.Jdbi;

/**
 * The charge pipeline's stuck work, read from the database by every server (the workers that should
 * do it may be the ones missing): requests whose lease ran out and that no worker took over ({@code
 * charon_charge_requests_past_lease}), and attempts whose outcome is still UNKNOWN after their
 * reconciliation window ({@code charon_charge_attempts_unknown_overdue}, with the oldest one's
 * age). The window is three of the longest reconciliation backoffs ({@code CHARON_RECONCILE_MAX})
 * plus a lease ({@code CHARON_LEASE}): by then the key has been sent again several times and the
 * provider should have answered.
 */
public final class ChargeGauges {
  private ChargeGauges() {}

  record Stuck(double pastLease, double unknownOverdue, double unknownOldestAge) {}

  private static final String STUCK =
      """
      select (select count(*) from invoice
              where charge_available_at < charon_now() and charge_lease_owner is not null) as past_lease,
             (select count(*) from charge_attempt
              where outcome = 'UNKNOWN' and created_at < charon_now() - :windowSeconds * interval '1 second') as unknown_overdue,
             (select coalesce(extract(epoch from charon_now() - min(created_at)), 0)
              from charge_attempt where outcome = 'UNKNOWN') as unknown_oldest_age
      """;

  public static Duration reconciliationWindow(ChargingSettings settings) {
    return settings.reconcileMax().multipliedBy(3).plus(settings.lease());
  }

  public static void register(Jdbi jdbi, ChargingSettings settings, MeterRegistry metrics) {
    var window = reconciliationWindow(settings);
    var stuck =
        new PolledValue<>(
            "stuck charge work",
            () ->
                jdbi.withHandle(
                    h ->
                        h.createQuery(STUCK)
                            .bind("windowSeconds", window.toSeconds())
                            .map(
                                (rs, ctx) ->
                                    new Stuck(
                                        rs.getDouble("past_lease"),
                                        rs.getDouble("unknown_overdue"),
                                        rs.getDouble("unknown_oldest_age")))
                            .one()),
            Duration.ofSeconds(5),
            new Stuck(0, 0, 0));
    Gauge.builder("charon.charge.requests.past.lease", stuck, s -> s.get().pastLease())
        .description(
            "Invoices leased for charging whose worker lease ran out and that no worker has taken"
                + " over")
        // Gauges hold their object weakly: nothing else keeps this reading alive.
        .strongReference(true)
        .register(metrics);
    Gauge.builder("charon.charge.attempts.unknown.overdue", stuck, s -> s.get().unknownOverdue())
        .description(
            "Attempts still UNKNOWN after the reconciliation window (3 x CHARON_RECONCILE_MAX +"
                + " CHARON_LEASE)")
        // Gauges hold their object weakly: nothing else keeps this reading alive.
        .strongReference(true)
        .register(metrics);
    Gauge.builder(
            "charon.charge.attempts.unknown.oldest.age", stuck, s -> s.get().unknownOldestAge())
        .description("Seconds since the oldest attempt still UNKNOWN was opened")
        .baseUnit("seconds")
        // Gauges hold their object weakly: nothing else keeps this reading alive.
        .strongReference(true)
        .register(metrics);
    Gauge.builder("charon.charge.attempts.unknown.window", () -> (double) window.toSeconds())
        .description("The reconciliation window the overdue count uses")
        .baseUnit("seconds")
        // Gauges hold their object weakly: nothing else keeps this reading alive.
        .strongReference(true)
        .register(metrics);
  }
}
