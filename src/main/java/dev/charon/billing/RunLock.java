package dev.charon.billing;

import org.jdbi.v3.core.Handle;

/**
 * A transaction-scoped PostgreSQL advisory lock per billing run. Producer batches take it shared,
 * so any number of producers work side by side; finishing a run takes it exclusive, so a run is
 * never marked FINISHED while a batch that is still uncommitted (its invoices not yet visible as
 * PROCESSING) is being written, and a batch that starts afterwards sees the run FINISHED and adds
 * nothing to it.
 */
final class RunLock {
  // First key of the two-key form: a namespace, so the run id cannot collide with other locks.
  private static final int NAMESPACE = 0x42494c4c; // "BILL"

  private RunLock() {}

  static void shareInTransaction(Handle h, long runId) {
    h.createQuery("select 1 from (select pg_advisory_xact_lock_shared(:ns, :run)) locked")
        .bind("ns", NAMESPACE)
        .bind("run", key(runId))
        .mapTo(Integer.class)
        .one();
  }

  /** False when a producer's batch holds the lock right now. */
  static boolean tryExclusiveInTransaction(Handle h, long runId) {
    return h.createQuery("select pg_try_advisory_xact_lock(:ns, :run)")
        .bind("ns", NAMESPACE)
        .bind("run", key(runId))
        .mapTo(Boolean.class)
        .one();
  }

  private static int key(long runId) {
    return Math.toIntExact(runId); // one run per period: ids stay far below 2^31
  }
}
