package dev.charon.charging;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.slf4j.LoggerFactory;

/**
 * How a worker's pipelines get work: deliveries whose attempts are already open (written UNKNOWN,
 * before any provider call). A transport's deliveries are opened here, in a transaction of their
 * own; the charge_request table is charging's own, so {@link PostgresChargeQueue} claims and opens
 * in one transaction instead.
 */
interface Intake {

  /** Deliveries taken and what opening their attempts found. */
  record Taken(List<ChargeQueue.Delivery> deliveries, ChargeEngine.Opened opened) {
    static final Taken NONE = new Taken(List.of(), new ChargeEngine.Opened(List.of(), Set.of()));
  }

  /**
   * Takes up to {@code max} deliveries and opens their attempts. Throws when nothing was opened; no
   * delivery is then held.
   */
  Taken take(int max, Duration wait) throws InterruptedException;

  static Intake of(ChargeQueue queue, ChargeEngine engine) {
    return queue instanceof PostgresChargeQueue table
        ? table.opening(engine)
        : new ThenOpen(queue, engine);
  }

  /** Take from the transport, then open in a transaction of its own, handing back if that fails. */
  record ThenOpen(ChargeQueue queue, ChargeEngine engine) implements Intake {
    @Override
    public Taken take(int max, Duration wait) throws InterruptedException {
      var deliveries = queue.take(max, wait);
      if (deliveries.size() > max) {
        // A transport must never deliver more than asked; if one does, hand the excess back.
        LoggerFactory.getLogger(ChargeQueue.class)
            .error(
                "queue delivered {} requests for {} free slots; handing back the excess",
                deliveries.size(),
                max);
        deliveries.subList(max, deliveries.size()).forEach(queue::handBack);
        deliveries = deliveries.subList(0, max);
      }
      if (deliveries.isEmpty()) {
        return Taken.NONE;
      }
      try {
        return new Taken(
            deliveries,
            engine.open(deliveries.stream().map(ChargeQueue.Delivery::invoiceId).toList()));
      } catch (RuntimeException e) {
        for (var delivery : deliveries) {
          try {
            queue.handBack(delivery);
          } catch (RuntimeException handBackFailed) {
            e.addSuppressed(handBackFailed); // lease expiry or redelivery brings it back
          }
        }
        throw e;
      }
    }
  }
}
