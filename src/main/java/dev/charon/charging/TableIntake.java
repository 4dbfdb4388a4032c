package dev.charon.charging;

import java.time.Duration;
import org.jdbi.v3.core.Jdbi;

/**
 * Claims and opens in one transaction: one round trip and one commit per batch, and a failure rolls
 * the claim back with the attempts, so nothing stays leased. Nothing ready: it polls again after
 * {@code poll}, bounded by the caller's wait.
 */
final class TableIntake implements Intake {
  private final Jdbi jdbi;
  private final InvoiceLeases leases;
  private final ChargeEngine engine;
  private final Duration poll;
  private volatile boolean closed;

  TableIntake(Jdbi jdbi, InvoiceLeases leases, ChargeEngine engine, Duration poll) {
    this.jdbi = jdbi;
    this.leases = leases;
    this.engine = engine;
    this.poll = poll;
  }

  @Override
  public Taken take(int max, Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (!closed) {
      var taken =
          jdbi.inTransaction(
              h -> {
                var claimed = leases.claim(h, max);
                if (claimed.size() > max) {
                  // Never expected with the materialized pick; rolling back leases nothing.
                  throw new IllegalStateException(
                      "claim leased " + claimed.size() + " requests for " + max + " slots");
                }
                return claimed.isEmpty()
                    ? Taken.NONE
                    : new Taken(
                        claimed,
                        engine.open(h, claimed.stream().map(Delivery::invoiceId).toList()));
              });
      long left = deadline - System.nanoTime();
      if (!taken.deliveries().isEmpty() || left <= 0) {
        return taken;
      }
      // A table cannot push: nothing claimable, so wait one poll (at most what is left of the
      // take's deadline) before claiming again (real time, not the billing clock).
      Thread.sleep(Math.min(poll.toMillis(), Math.max(1, left / 1_000_000)));
    }
    return Taken.NONE;
  }

  @Override
  public void done(Delivery delivery) {
    // The engine deleted or rescheduled the row in its own transaction.
  }

  @Override
  public void handBack(Delivery delivery) {
    leases.release(delivery);
  }

  @Override
  public void close() {
    closed = true;
  }
}
