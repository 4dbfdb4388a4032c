package dev.charon.charging;

import java.time.Duration;
import org.slf4j.LoggerFactory;

/**
 * Takes from a message transport, then opens in a transaction of its own, handing back on failure.
 */
final class QueueIntake implements Intake {
  private final ChargeQueue queue;
  private final ChargeEngine engine;

  QueueIntake(ChargeQueue queue, ChargeEngine engine) {
    this.queue = queue;
    this.engine = engine;
  }

  @Override
  public Taken take(int max, Duration wait) throws InterruptedException {
    var deliveries = queue.take(max, wait);
    if (deliveries.size() > max) {
      // A transport must never deliver more than asked; if one does, hand the excess back.
      LoggerFactory.getLogger(Intake.class)
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
          deliveries, engine.open(deliveries.stream().map(Delivery::invoiceId).toList()));
    } catch (RuntimeException e) {
      for (var delivery : deliveries) {
        try {
          queue.handBack(delivery);
        } catch (RuntimeException handBackFailed) {
          e.addSuppressed(handBackFailed); // redelivery brings it back
        }
      }
      throw e;
    }
  }

  @Override
  public void done(Delivery delivery) {
    queue.done(delivery);
  }

  @Override
  public void handBack(Delivery delivery) {
    queue.handBack(delivery);
  }

  @Override
  public void close() {
    queue.close();
  }
}
