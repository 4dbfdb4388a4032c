package dev.charon.charging;

import java.time.Duration;
import java.util.List;

/**
 * The port a message transport implements (RabbitMQ, in {@code queue/}) to tell workers which
 * invoice to charge next. It knows nothing of the engine: the charge_request table is always the
 * outbox and the truth; {@link QueueIntake} opens what it delivers, in charging's own transaction.
 */
public interface ChargeQueue extends AutoCloseable {

  /** Up to {@code max} deliveries, waiting at most {@code wait} when none is ready. */
  List<Delivery> take(int max, Duration wait) throws InterruptedException;

  /** The engine committed its work for this delivery (settled, stale or rescheduled). */
  void done(Delivery delivery);

  /** The delivery was not handled (shutdown); make it available to another worker now. */
  void handBack(Delivery delivery);

  @Override
  void close();
}
