package dev.charon.queue;

import java.time.Duration;
import java.util.List;

/**
 * Where workers get charge requests from. The charge_request table is always the outbox and the
 * truth; a transport only decides how a worker learns which invoice to charge next. Settling or
 * rescheduling a request is the charge engine's database work, not the transport's.
 */
public interface ChargeQueue extends AutoCloseable {

  /** One delivered request. {@code handle} is transport-specific (lease owner, delivery tag). */
  record Delivery(long requestId, long invoiceId, long handle) {}

  /** Up to {@code max} deliveries, waiting at most {@code wait} when none is ready. */
  List<Delivery> take(int max, Duration wait) throws InterruptedException;

  /** The engine committed its work for this delivery (settled, stale or rescheduled). */
  void done(Delivery delivery);

  /** The delivery was not handled (shutdown); make it available to another worker now. */
  void handBack(Delivery delivery);

  @Override
  void close();
}
