package dev.charon.queue;

import com.rabbitmq.client.Connection;
import dev.charon.charging.ChargeQueue;
import dev.charon.charging.Delivery;
import dev.charon.ops.LogContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RabbitMQ transport for workers: one consumer with manual acks and a prefetch, whose
 * deliveries wait in a small buffer until the worker takes them. A delivery is acked only after the
 * engine committed ({@link #done}); a worker that dies leaves its deliveries unacked and the broker
 * gives them to another consumer.
 *
 * <p>Delivery tags belong to the channel that delivered them; acking a tag on another channel acks
 * the wrong message or closes the channel. Each subscription (channel + consumer) is therefore a
 * numbered generation, and {@link Delivery#handle} carries it: the generation in the top 16 bits,
 * the tag in the low 48. After a connection recovery the old subscription is dropped (the broker
 * redelivers its unacked messages) and acks for it are skipped.
 */
public final class RabbitChargeQueue implements ChargeQueue {
  private static final Logger log = LoggerFactory.getLogger(RabbitChargeQueue.class);
  private static final int TAG_BITS = 48;
  private static final long TAG_MASK = (1L << TAG_BITS) - 1;
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(1);

  private final AmqpSettings settings;
  private final String name;
  private final Connection connection;
  private final BlockingQueue<Delivery> buffer;
  private final Counter redelivered;
  private final Counter poison;
  private volatile RabbitSubscription subscription;
  private volatile boolean resubscribe;
  private volatile boolean closed;
  private volatile int generation;

  private RabbitChargeQueue(AmqpSettings settings, String name, MeterRegistry metrics) {
    this.settings = settings;
    this.name = name;
    // The broker never has more than `prefetch` unacked deliveries out per subscription; the
    // margin covers a recovery, when the old generation's leftovers have not been purged yet.
    this.buffer = new LinkedBlockingQueue<>(settings.prefetch() * 2);
    this.redelivered = Counter.builder("charon.queue.redelivered").register(metrics);
    this.poison = Counter.builder("charon.queue.poison").register(metrics);
    this.connection = RabbitConnections.open(settings, name, () -> resubscribe = true);
  }

  /** Connects as {@code name}, declares the topology and starts consuming. */
  public static RabbitChargeQueue start(AmqpSettings settings, String name, MeterRegistry metrics) {
    var queue = new RabbitChargeQueue(settings, name, metrics);
    try {
      RabbitTopology.declare(queue.connection, settings);
      queue.subscribe();
    } catch (RuntimeException e) {
      queue.close();
      throw e;
    }
    log.info(
        "consuming charge requests from {} at {} (prefetch {})",
        settings.queue(),
        settings.safeUrl(),
        settings.prefetch());
    return queue;
  }

  private synchronized void subscribe() {
    var old = subscription;
    if (old != null) {
      old.abandon();
      buffer.removeIf(d -> generationOf(d) == old.generation());
    }
    if (resubscribe) {
      resubscribe = false;
      RabbitTopology.declare(connection, settings); // the broker may have lost it (reset node)
    }
    generation = (generation + 1) & 0x7FFF;
    subscription = RabbitSubscription.open(connection, settings, name, generation, this::arrived);
  }

  // Called on the client's consumer thread, in delivery order.
  private void arrived(RabbitSubscription from, long tag, boolean redelivery, byte[] body) {
    RabbitMessage message;
    try {
      message = RabbitMessage.parse(body);
    } catch (IllegalArgumentException e) {
      poison.increment();
      log.error(
          "dead-lettering a message that is not a charge request (tag {}): {}",
          tag,
          e.getMessage());
      from.reject(tag);
      return;
    }
    if (redelivery) {
      redelivered.increment();
    }
    var delivery =
        new Delivery(
            message.requestId(), message.invoiceId(), ((long) from.generation() << TAG_BITS) | tag);
    if (closed || from.generation() != generation || !buffer.offer(delivery)) {
      from.settle(tag, false);
    }
  }

  @Override
  public List<Delivery> take(int max, Duration wait) throws InterruptedException {
    if (closed) {
      return List.of();
    }
    ensureSubscribed();
    var taken = new ArrayList<Delivery>(max);
    var first = buffer.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
    if (first == null) {
      return taken;
    }
    taken.add(first);
    buffer.drainTo(taken, max - 1);
    var current = subscription;
    // A delivery of a dropped subscription is being redelivered by the broker; don't hand it out
    // twice.
    taken.removeIf(d -> generationOf(d) != current.generation());
    return taken;
  }

  // Renews the subscription after a connection recovery, or after the broker closed the channel
  // or cancelled the consumer (queue deleted and re-created). While the connection is still down
  // there is nothing to do: take() just finds the buffer empty.
  private void ensureSubscribed() {
    var current = subscription;
    if (!connection.isOpen() || (!resubscribe && current != null && current.isActive())) {
      return;
    }
    log.info(
        "renewing the RabbitMQ subscription to {} after {}",
        settings.queue(),
        resubscribe ? "a connection recovery" : "its channel or consumer closed");
    subscribe();
  }

  @Override
  public void done(Delivery delivery) {
    current(delivery).ifPresent(s -> s.settle(tagOf(delivery), true));
  }

  @Override
  public void handBack(Delivery delivery) {
    current(delivery).ifPresent(s -> s.settle(tagOf(delivery), false));
  }

  private Optional<RabbitSubscription> current(Delivery delivery) {
    var current = subscription;
    if (current == null || generationOf(delivery) != current.generation()) {
      LogContext.inInvoice(
          delivery.invoiceId(),
          () ->
              log.debug(
                  "delivery of request {} came from an older subscription; the broker redelivers it",
                  delivery.requestId()));
      return Optional.empty();
    }
    return Optional.of(current);
  }

  private static int generationOf(Delivery delivery) {
    return (int) (delivery.handle() >>> TAG_BITS);
  }

  private static long tagOf(Delivery delivery) {
    return delivery.handle() & TAG_MASK;
  }

  /**
   * Stops consuming, hands back what is buffered, gives in-flight acks a moment, then closes the
   * connection; the broker returns anything still unacked to the queue.
   */
  @Override
  public void close() {
    closed = true;
    var current = subscription;
    if (current != null) {
      current.cancel();
      for (Delivery d; (d = buffer.poll()) != null; ) {
        handBack(d);
      }
      long deadline = System.nanoTime() + CLOSE_GRACE.toNanos();
      while (current.unsettled() > 0 && System.nanoTime() < deadline) {
        LockSupport.parkNanos(10_000_000);
      }
    }
    try {
      connection.close(5_000);
    } catch (Exception e) {
      log.debug("closing the consumer connection failed; it is gone either way", e);
    }
  }
}
