package dev.charon.billing.domain;

import dev.charon.invoice.domain.InvoiceStatus;
import java.util.Map;

/**
 * Where a run's invoices stand now: counts by invoice status, and per currency the amount billed
 * (every invoice of the run) and collected (PAID), in minor units. Derived from the invoices
 * themselves, in one snapshot, so they can never drift from them.
 */
public record RunProgress(
    BillingRun run,
    Map<String, Long> byStatus,
    Map<String, Long> paidMinorByCurrency,
    Map<String, Long> billedMinorByCurrency) {

  public RunProgress {
    byStatus = Map.copyOf(byStatus);
    paidMinorByCurrency = Map.copyOf(paidMinorByCurrency);
    billedMinorByCurrency = Map.copyOf(billedMinorByCurrency);
  }

  public long total() {
    return byStatus.values().stream().mapToLong(Long::longValue).sum();
  }

  public long inFlight() {
    return byStatus.getOrDefault(InvoiceStatus.PROCESSING.name(), 0L);
  }

  /** Invoices whose charge reached an outcome: paid, or in a named failure or retry state. */
  public long settled() {
    return total() - inFlight();
  }

  /** Share settled, 0..1. With no invoices (yet): complete once finished, nothing before. */
  public double fractionSettled() {
    if (total() == 0) {
      return run.finished() ? 1.0 : 0.0;
    }
    return (double) settled() / total(); // a progress fraction of invoice counts, not money
  }

  /** Still enqueueing invoices, so the total can grow. */
  public boolean producing() {
    return run.state() == BillingRun.State.STARTED || run.state() == BillingRun.State.PRODUCING;
  }
}
