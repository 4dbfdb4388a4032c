package dev.charon.charging;

import java.util.List;
import java.util.Set;

/**
 * What opening a batch of deliveries found: attempts written UNKNOWN (or reused) and ready to be
 * sent, and invoices that were no longer PROCESSING, whose requests were dropped.
 */
public record Opened(List<ChargeStore.OpenAttempt> attempts, Set<Long> stale) {
  static final Opened NOTHING = new Opened(List.of(), Set.of());
}
