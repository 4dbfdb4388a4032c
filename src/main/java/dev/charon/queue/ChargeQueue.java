package dev.charon.queue;

import dev.charon.charging.ChargeEngine;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.slf4j.LoggerFactory;

/**
 * Where workers get charge requests from. The charge_request table is always the outbox and the
 * truth; a transport only decides how a worker learns which invoice to charge next. Settling or
 * rescheduling a request is the charge engine's database work, not the transport's.
 */
public interface ChargeQueue extends AutoCloseable {

  /** One delivered request. {@code handle} is transport-specific (lease owner, delivery tag). */
  record Delivery(long requestId, long invoiceId, long handle) {}

  /** Deliveries taken and what opening their attempts found. */
  record Taken(List<Delivery> deliveries, ChargeEngine.Opened opened) {
    static final Taken NONE = new Taken(List.of(), new ChargeEngine.Opened(List.of(), Set.of()));
  }

  /** Up to {@code max} deliveries, waiting at most {@code wait} when none is ready. */
  List<Delivery> take(int max, Duration wait) throws InterruptedException;

  /**
   * Takes up to {@code max} deliveries and opens their attempts (written UNKNOWN, before any
   * provider call). Here: take, then open in a transaction of its own, handing the deliveries back
   * if opening fails. A transport whose deliveries are rows of the charging database does both in
   * one transaction. Throws when nothing was opened; no delivery is then held.
   */
  default Taken takeOpened(int max, Duration wait, ChargeEngine engine) throws InterruptedException {
    var deliveries = take(max, wait);
    if (deliveries.size() > max) {
      // A transport must never deliver more than asked; if one does, hand the excess back.
      LoggerFactory.getLogger(ChargeQueue.class)
          .error("queue delivered {} requests for {} free slots; handing back the excess", deliveries.size(), max);
      deliveries.subList(max, deliveries.size()).forEach(this::handBack);
      deliveries = deliveries.subList(0, max);
    }
    if (deliveries.isEmpty()) {
      return Taken.NONE;
    }
    try {
      return new Taken(deliveries, engine.open(deliveries.stream().map(Delivery::invoiceId).toList()));
    } catch (RuntimeException e) {
      for (var delivery : deliveries) {
        try {
          handBack(delivery);
        } catch (RuntimeException handBackFailed) {
          e.addSuppressed(handBackFailed); // lease expiry or redelivery brings it back
        }
      }
      throw e;
    }
  }

  /** The engine committed its work for this delivery (settled, stale or rescheduled). */
  void done(Delivery delivery);

  /** The delivery was not handled (shutdown); make it available to another worker now. */
  void handBack(Delivery delivery);

  @Override
  void close();
}
