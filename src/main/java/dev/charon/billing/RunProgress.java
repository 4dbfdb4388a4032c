package dev.charon.billing;

import java.util.Map;

/**
 * Where a run's invoices stand now: counts by invoice status and collected totals (minor units)
 * per currency, derived from the invoices themselves so they can never drift.
 */
public record RunProgress(BillingRun run, Map<String, Long> byStatus, Map<String, Long> paidMinorByCurrency) {
  public long total() {
    return byStatus.values().stream().mapToLong(Long::longValue).sum();
  }

  public long inFlight() {
    return byStatus.getOrDefault("PROCESSING", 0L);
  }

  public long settled() {
    return total() - inFlight();
  }
}
