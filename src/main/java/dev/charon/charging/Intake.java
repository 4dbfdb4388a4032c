package dev.charon.charging;

import java.time.Duration;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * How a worker's pipelines get work: deliveries whose attempts are already open (written UNKNOWN,
 * before any provider call). Two intakes, one per transport setting: {@link #table} claims the
 * invoice rows waiting to be charged (InvoiceLeases) and opens their attempts in one transaction;
 * {@link #queue} takes what a message transport delivers and opens it in a transaction of its own.
 */
public sealed interface Intake extends AutoCloseable permits TableIntake, QueueIntake {

  /** Deliveries taken and what opening their attempts found. */
  record Taken(List<Delivery> deliveries, Opened opened) {
    static final Taken NONE = new Taken(List.of(), Opened.NOTHING);
  }

  /**
   * Takes up to {@code max} deliveries and opens their attempts, waiting at most about {@code wait}
   * when none is ready. Throws when nothing was opened; no delivery is then held.
   */
  Taken take(int max, Duration wait) throws InterruptedException;

  /** The engine committed its work for this delivery (settled, stale or rescheduled). */
  void done(Delivery delivery);

  /** The delivery was not handled; make it available to another worker now. */
  void handBack(Delivery delivery);

  @Override
  void close();

  /**
   * The PostgreSQL transport: leases for {@code lease} as {@code owner}; an idle intake looks again
   * every {@code poll}.
   */
  static Intake table(Jdbi jdbi, ChargeEngine engine, String owner, Duration lease, Duration poll) {
    return new TableIntake(jdbi, new InvoiceLeases(jdbi, owner, lease), engine, poll);
  }

  /** A message transport (RabbitMQ); closing the intake closes it. */
  static Intake queue(ChargeQueue transport, ChargeEngine engine) {
    return new QueueIntake(transport, engine);
  }
}
