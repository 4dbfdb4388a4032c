package dev.charon.reconcile;

import dev.charon.audit.ProviderLedger;
import java.io.IOException;
import java.util.List;

/**
 * A provider's successful charges read forward from a position, for adoption: oldest first, each
 * with the position that resumes the read after it. A position is the provider's own (the gateway's
 * charge sequence, a Stripe creation time) and is kept as text in {@code ledger_cursor}.
 */
public interface ChargeFeed {

  /** One charge and the position just after it. */
  record Entry(ProviderLedger.Charge charge, String position) {}

  /** The provider's name in {@code ledger_cursor}. */
  String provider();

  /** The position before the first charge. */
  String start();

  /** Up to {@code limit} charges after {@code position}, oldest first; empty at the end. */
  List<Entry> after(String position, int limit) throws IOException, InterruptedException;
}
