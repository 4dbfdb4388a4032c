package dev.charon.charging;

import dev.charon.db.PlainSql;
import java.time.Duration;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The PostgreSQL transport: workers claim batches of charge_request rows with {@code FOR UPDATE
 * SKIP LOCKED} and a lease (owner + expiry). A worker that dies simply lets its leases lapse; the
 * next claim takes those rows over.
 */
public final class PostgresChargeQueue implements ChargeQueue {
  private final Jdbi jdbi;
  private final String owner;
  private final Duration lease;
  private final Duration pollInterval;
  private volatile boolean closed;

  public PostgresChargeQueue(Jdbi jdbi, String owner, Duration lease, Duration pollInterval) {
    this.jdbi = jdbi;
    this.owner = owner;
    this.lease = lease;
    this.pollInterval = pollInterval;
  }

  @Override
  public List<Delivery> take(int max, Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (!closed) {
      var claimed = claim(max);
      if (!claimed.isEmpty() || System.nanoTime() >= deadline) {
        return claimed;
      }
      // Nothing ready: poll again after a short pause (bounded by the caller's wait), not spin.
      Thread.sleep(
          Math.min(
              pollInterval.toMillis(), Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
    }
    return List.of();
  }

  /**
   * Claims and opens in one transaction: one round trip and one commit fewer per batch than {@link
   * #take} followed by {@link ChargeEngine#open(List)}, and a failure rolls the claim back with the
   * attempts, so nothing stays leased.
   */
  Intake opening(ChargeEngine engine) {
    return (max, wait) -> {
      long deadline = System.nanoTime() + wait.toNanos();
      while (!closed) {
        var taken =
            jdbi.inTransaction(
                h -> {
                  var claimed = claim(h, max);
                  if (claimed.size() > max) {
                    // Never expected with the materialized pick; rolling back leases nothing.
                    throw new IllegalStateException(
                        "claim leased " + claimed.size() + " requests for " + max + " slots");
                  }
                  return claimed.isEmpty()
                      ? Intake.Taken.NONE
                      : new Intake.Taken(
                          claimed,
                          engine.open(h, claimed.stream().map(Delivery::invoiceId).toList()));
                });
        if (!taken.deliveries().isEmpty() || System.nanoTime() >= deadline) {
          return taken;
        }
        Thread.sleep(
            Math.min(
                pollInterval.toMillis(), Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
      }
      return Intake.Taken.NONE;
    };
  }

  List<Delivery> claim(int max) {
    return jdbi.withHandle(h -> claim(h, max));
  }

  // sql/charging/claim.sql says why the pick is a materialized CTE that locks the invoice too.
  private List<Delivery> claim(Handle h, int max) {
    return PlainSql.of("charging/claim")
        .with(h)
        .bind("owner", owner)
        .bind("lease", lease.toMillis())
        .bind("max", max)
        .list(rs -> new Delivery(rs.getLong("id"), rs.getLong("invoice_id"), 0));
  }

  @Override
  public void done(Delivery delivery) {
    // The engine deleted or rescheduled the row in its own transaction.
  }

  @Override
  public void handBack(Delivery delivery) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "update charge_request set lease_owner = null, lease_until = null where id = :id and lease_owner = :owner")
                .bind("id", delivery.requestId())
                .bind("owner", owner)
                .execute());
  }

  @Override
  public void close() {
    closed = true;
  }
}
