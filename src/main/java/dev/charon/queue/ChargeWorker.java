package dev.charon.queue;

import dev.charon.charging.ChargeEngine;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes deliveries from a queue and charges them on virtual threads, never more than
 * {@code concurrency} at once: it only asks the queue for as many requests as it has free slots,
 * so nothing piles up in memory (backpressure). {@link #drain} stops taking, waits for in-flight
 * charges up to a deadline and hands back anything not started.
 */
public final class ChargeWorker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChargeWorker.class);

  private final ChargeQueue queue;
  private final ChargeEngine engine;
  private final int concurrency;
  private final Semaphore slots;
  private final ExecutorService charges = Executors.newVirtualThreadPerTaskExecutor();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Thread taker;
  private volatile boolean running = true;

  public ChargeWorker(ChargeQueue queue, ChargeEngine engine, int concurrency, MeterRegistry metrics) {
    this.queue = queue;
    this.engine = engine;
    this.concurrency = concurrency;
    this.slots = new Semaphore(concurrency);
    metrics.gauge("charon.charges.in_flight", inFlight);
    this.taker = Thread.ofPlatform().name("charge-taker").daemon(true).unstarted(this::takeLoop);
  }

  public ChargeWorker start() {
    taker.start();
    return this;
  }

  private void takeLoop() {
    while (running) {
      try {
        slots.acquire();
        int free = 1 + slots.drainPermits();
        java.util.List<ChargeQueue.Delivery> deliveries;
        try {
          deliveries = queue.take(free, Duration.ofMillis(500));
        } catch (RuntimeException e) {
          slots.release(free);
          log.warn("taking charge requests failed; retrying in 1 s", e);
          pause();
          continue;
        }
        slots.release(free - deliveries.size());
        for (var delivery : deliveries) {
          if (!running) {
            queue.handBack(delivery);
            slots.release();
            continue;
          }
          inFlight.incrementAndGet();
          charges.submit(() -> handle(delivery));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void handle(ChargeQueue.Delivery delivery) {
    try {
      engine.process(delivery.invoiceId());
      queue.done(delivery);
    } catch (RuntimeException e) {
      // The database or the transport failed mid-way: the lease lapses or the message is
      // redelivered, and the next delivery reconciles with the attempt's key.
      log.warn("charging invoice {} failed; it will be redelivered", delivery.invoiceId(), e);
      try {
        queue.handBack(delivery);
      } catch (RuntimeException handBackFailed) {
        log.debug("hand-back failed too; relying on lease expiry/redelivery", handBackFailed);
      }
    } finally {
      inFlight.decrementAndGet();
      slots.release();
    }
  }

  private static void pause() {
    try {
      Thread.sleep(1000); // back off after an infrastructure failure instead of spinning
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public int inFlight() {
    return inFlight.get();
  }

  /** Stops taking work and waits up to {@code deadline} for charges in flight; true if all finished. */
  public boolean drain(Duration deadline) {
    running = false;
    taker.interrupt();
    try {
      taker.join(deadline.toMillis());
      charges.shutdown();
      boolean finished = charges.awaitTermination(deadline.toMillis(), TimeUnit.MILLISECONDS);
      log.info("worker drained: {} charge(s) still in flight", inFlight.get());
      return finished;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void close() {
    drain(Duration.ofSeconds(30));
    queue.close();
  }
}
