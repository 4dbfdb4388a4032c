package dev.charon.charging;

import dev.charon.ops.LogContext;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Charges what an intake delivers with at most {@code concurrency} provider calls in flight, split
 * over one or more pipelines. In each pipeline a taker thread asks the intake only for as many
 * requests as the pipeline has free slots (backpressure: nothing piles up in memory) and has their
 * attempts opened before any call; each call runs on a virtual thread; a recorder thread writes
 * finished calls in batches (group commit), then acknowledges them and frees their slots. Several
 * pipelines keep more than one claim and one record transaction of a worker in progress at once.
 * {@link #drain} stops taking, lets in-flight calls finish and be recorded up to a deadline, and
 * hands back anything not started.
 */
public final class ChargeWorker implements AutoCloseable {
  private final List<AutoCloseable> companions = new java.util.concurrent.CopyOnWriteArrayList<>();
  private static final Logger log = LoggerFactory.getLogger(ChargeWorker.class);
  private static final int RECORD_BATCH = 256;
  private static final Duration TAKE_WAIT = Duration.ofMillis(500);

  private record Finished(Delivery delivery, ChargeEngine.Call call) {}

  private final Intake intake;
  private final ChargeEngine engine;
  private final Duration linger;
  private final List<Pipeline> pipelines = new ArrayList<>();
  private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
  private volatile boolean taking = true;
  private volatile boolean recording = true;

  public ChargeWorker(Intake intake, ChargeEngine engine, int concurrency, MeterRegistry metrics) {
    this(intake, engine, concurrency, 1, Duration.ZERO, metrics);
  }

  /**
   * {@code linger}: how long a taker with fewer than half its pipeline's slots free waits for more
   * to free up before it takes, so that a claim and its commit serve a full batch.
   */
  public ChargeWorker(
      Intake intake,
      ChargeEngine engine,
      int concurrency,
      int pipelineCount,
      Duration linger,
      MeterRegistry metrics) {
    if (concurrency < 1 || pipelineCount < 1 || linger.isNegative()) {
      throw new IllegalArgumentException("concurrency and pipelines must be >= 1 and linger >= 0");
    }
    this.intake = intake;
    this.engine = engine;
    this.linger = linger;
    int n = Math.min(pipelineCount, concurrency);
    for (int i = 0; i < n; i++) {
      pipelines.add(new Pipeline(i, concurrency / n + (i < concurrency % n ? 1 : 0)));
    }
    metrics.gauge("charon.charges.in_flight", this, ChargeWorker::inFlight);
  }

  public ChargeWorker start() {
    pipelines.forEach(p -> p.recorder.start());
    pipelines.forEach(p -> p.taker.start());
    return this;
  }

  private final class Pipeline {
    private final int size;
    private final Semaphore slots;
    private final BlockingQueue<Finished> finished = new LinkedBlockingQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Thread taker;
    private final Thread recorder;

    Pipeline(int index, int size) {
      this.size = size;
      this.slots = new Semaphore(size);
      String suffix = index == 0 ? "" : "-" + index;
      this.taker =
          Thread.ofPlatform().name("charge-taker" + suffix).daemon(true).unstarted(this::takeLoop);
      this.recorder =
          Thread.ofPlatform()
              .name("charge-recorder" + suffix)
              .daemon(true)
              .unstarted(this::recordLoop);
    }

    private void takeLoop() {
      while (taking) {
        try {
          var open = engine.breaker().openFor();
          if (open.isPresent()) {
            // A dead provider is not hammered: take nothing until the breaker lets a trial through.
            // How long it stays open is the injected clock's (a test clock's time); the pause is
            // real time, at most 1 s, then the breaker is asked again.
            Thread.sleep(Math.max(1, Math.min(1000, open.get().toMillis())));
            continue;
          }
          slots.acquire();
          int free = linger(1 + slots.drainPermits());
          Intake.Taken taken;
          try {
            taken = intake.take(free, TAKE_WAIT);
          } catch (RuntimeException e) {
            // Nothing is held: the transport rolled the claim back or handed the deliveries back.
            slots.release(free);
            log.warn("taking and opening charge requests failed; retrying in 1 s", e);
            Thread.sleep(1000);
            continue;
          }
          slots.release(free - taken.deliveries().size());
          if (!taken.deliveries().isEmpty()) {
            start(taken);
          }
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    // Few free slots: wait up to `linger` for at least half of them, so that one claim and one
    // commit serve a batch instead of a handful of requests.
    private int linger(int free) throws InterruptedException {
      int target = (size + 1) / 2;
      long until = System.nanoTime() + linger.toNanos();
      while (free < target) {
        long left = until - System.nanoTime();
        if (left <= 0 || !slots.tryAcquire(left, TimeUnit.NANOSECONDS)) {
          break;
        }
        free += 1 + slots.drainPermits();
      }
      return free;
    }

    private void start(Intake.Taken taken) {
      var byInvoice = new HashMap<Long, Delivery>();
      for (var delivery : taken.deliveries()) {
        var previous = byInvoice.put(delivery.invoiceId(), delivery);
        if (previous != null) {
          finish(previous); // a duplicate in the same batch: the other delivery does the work
        }
      }
      for (var stale : taken.opened().stale()) {
        var delivery = byInvoice.remove(stale);
        if (delivery != null) {
          finish(delivery);
        }
      }
      for (var attempt : taken.opened().attempts()) {
        var delivery = byInvoice.remove(attempt.invoiceId());
        inFlight.incrementAndGet();
        calls.submit(
            () -> {
              try {
                finished.add(new Finished(delivery, engine.call(attempt)));
              } catch (RuntimeException | Error e) {
                // The attempt stays UNKNOWN; the redelivery reconciles it with the same key. The
                // slot and the delivery are given back whatever was thrown.
                LogContext.inAttempt(
                    attempt.invoiceId(),
                    attempt.attemptId(),
                    () ->
                        log.warn(
                            "calling the provider for invoice {} failed", attempt.invoiceId(), e));
                inFlight.decrementAndGet();
                handBackQuietly(delivery);
                slots.release();
              }
            });
      }
      byInvoice.values().forEach(this::finish); // opened by nobody: nothing to do
    }

    private void recordLoop() {
      var batch = new ArrayList<Finished>(RECORD_BATCH);
      while (recording || !finished.isEmpty() || inFlight.get() > 0) {
        try {
          var first = finished.poll(200, TimeUnit.MILLISECONDS);
          if (first == null) {
            continue;
          }
          batch.add(first);
          finished.drainTo(batch, RECORD_BATCH - 1);
          record(batch);
        } catch (InterruptedException e) {
          return;
        } finally {
          batch.clear();
        }
      }
    }

    private void record(List<Finished> batch) {
      try {
        engine.record(batch.stream().map(Finished::call).toList());
        for (var f : batch) {
          finish(f.delivery());
        }
      } catch (RuntimeException e) {
        // Nothing of the batch was written: its attempts stay UNKNOWN and redelivery reconciles
        // them.
        log.warn(
            "recording {} outcome(s) failed; they will be reconciled on redelivery",
            batch.size(),
            e);
        batch.forEach(f -> handBackQuietly(f.delivery()));
        slots.release(batch.size());
      } finally {
        inFlight.addAndGet(-batch.size());
      }
    }

    private void finish(Delivery delivery) {
      try {
        intake.done(delivery);
      } catch (RuntimeException e) {
        LogContext.inInvoice(
            delivery.invoiceId(),
            () ->
                log.debug(
                    "acknowledging request {} failed; it will be redelivered and found settled",
                    delivery.requestId(),
                    e));
      }
      slots.release();
    }
  }

  private void handBackQuietly(Delivery delivery) {
    try {
      intake.handBack(delivery);
    } catch (RuntimeException e) {
      LogContext.inInvoice(
          delivery.invoiceId(),
          () ->
              log.debug(
                  "hand-back of request {} failed; relying on lease expiry or redelivery",
                  delivery.requestId(),
                  e));
    }
  }

  public int inFlight() {
    return pipelines.stream().mapToInt(p -> p.inFlight.get()).sum();
  }

  /**
   * Stops taking work, waits up to {@code deadline} for in-flight calls to be recorded; true if all
   * were.
   */
  public boolean drain(Duration deadline) {
    long until = System.nanoTime() + deadline.toNanos();
    taking = false;
    pipelines.forEach(p -> p.taker.interrupt());
    try {
      for (var p : pipelines) {
        p.taker.join(Math.max(1, (until - System.nanoTime()) / 1_000_000));
      }
      calls.shutdown();
      calls.awaitTermination(
          Math.max(1, (until - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
      recording = false;
      for (var p : pipelines) {
        p.recorder.join(Math.max(1, (until - System.nanoTime()) / 1_000_000));
      }
      int left = inFlight();
      log.info("worker drained: {} charge(s) still in flight", left);
      return left == 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Work that lives and stops with this worker (the refund executor); closed after the intake. */
  public ChargeWorker alsoClosing(AutoCloseable companion) {
    companions.add(companion);
    return this;
  }

  @Override
  public void close() {
    if (taking) {
      drain(Duration.ofSeconds(30));
    }
    recording = false;
    intake.close();
    for (var companion : companions) {
      try {
        companion.close();
      } catch (Exception e) {
        log.warn("closing {} failed", companion, e);
      }
    }
  }
}
