package dev.charon.app;

import dev.charon.audit.AuditGauges;
import dev.charon.audit.StandingAudit;
import dev.charon.billing.BillingGauges;
import dev.charon.billing.BillingScheduler;
import dev.charon.charging.ChargeGauges;
import dev.charon.charging.ChargingSettings;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * The gauges a server reads from the database for the alert rules ({@code ops/prometheus/}): work
 * that is late or stuck is visible from any server, also when the process that should do it is the
 * one missing.
 */
public final class ServerGauges {
  private ServerGauges() {}

  public static void register(Jdbi jdbi, ChargingSettings charging, MeterRegistry metrics) {
    AuditGauges.register(jdbi, metrics);
    BillingGauges.register(
        jdbi,
        List.of(BillingScheduler.MONTHLY, BillingScheduler.MAINTENANCE, StandingAudit.TASK),
        metrics);
    ChargeGauges.register(jdbi, charging, metrics);
    dev.charon.provider.ProviderEventGauges.register(jdbi, metrics);
  }
}
