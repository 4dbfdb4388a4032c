package dev.charon.ratelimit;

import dev.charon.payment.domain.Throttle;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared rate limit seen from one worker: permits reserved from {@code provider_rate} a few at
 * a time (at most {@link ProviderRateTable#HORIZON} of the rate), each a time slot spaced {@code
 * 1/rate} apart, handed to the calls waiting here in order. One thread at a time asks the table (a
 * fair lock, so calls go in the order they asked); the others wait for the slots it brings back.
 */
final class SharedBudget implements Budget {
  private static final Logger log = LoggerFactory.getLogger(SharedBudget.class);

  /**
   * A slot this late is not used: a worker that stalled longer must not burst its old slots at
   * once. Shorter stalls are common on a loaded machine (a thread woken late), and dropping their
   * slots cost a third of the shared rate in RateLimitIT; a second's worth of bunched calls is what
   * a provider's token bucket absorbs.
   */
  private static final long STALE_NANOS = java.time.Duration.ofSeconds(1).toNanos();

  /** Without a Retry-After, every worker pauses for one second: the window a provider counts in. */
  static final Duration DEFAULT_PAUSE = Duration.ofSeconds(1);

  /**
   * A longer Retry-After is honoured up to this: a hostile value must not stop billing for good.
   */
  static final Duration MAX_PAUSE = Duration.ofSeconds(60);

  private final ProviderRateTable table;
  private final double limit;
  private final ReentrantLock asking = new ReentrantLock(true);
  private final ArrayDeque<Long> slots = new ArrayDeque<>(); // System.nanoTime() of each permit
  private long epoch;
  private volatile double rate;
  private Double ceiling;
  private volatile boolean backedOff;
  // Slots this worker holds from before a 429 are not used: the provider just refused that rate.
  private volatile long resumeAt = System.nanoTime();

  SharedBudget(ProviderRateTable table, double limit, MeterRegistry metrics) {
    this.table = table;
    this.limit = limit;
    this.rate = limit;
    table.ensure();
    Gauge.builder("charon.provider.rate.current", this, b -> b.rate)
        .description("The shared provider rate all workers may call at now (calls per second)")
        .strongReference(true)
        .register(metrics);
    Gauge.builder("charon.provider.rate.limit", this, b -> b.limit)
        .description("CHARON_PROVIDER_RATE_LIMIT: the most the shared rate climbs to")
        .strongReference(true)
        .register(metrics);
  }

  @Override
  public Permit acquire() throws InterruptedException {
    long slot;
    Permit permit;
    asking.lockInterruptibly();
    try {
      slot = nextSlot();
      permit = new Permit(epoch, rate);
    } finally {
      asking.unlock();
    }
    long wait = slot - System.nanoTime();
    if (wait > 0) {
      TimeUnit.NANOSECONDS.sleep(wait);
    }
    return permit;
  }

  private long nextSlot() throws InterruptedException {
    while (true) {
      long now = System.nanoTime();
      long resume = resumeAt;
      while (!slots.isEmpty()
          && (slots.peekFirst() < now - STALE_NANOS || slots.peekFirst() < resume)) {
        slots.pollFirst();
      }
      if (!slots.isEmpty()) {
        return slots.pollFirst();
      }
      // Ask for as many as are waiting here (the table caps it at the horizon's share of the rate).
      var grant = table.grant(asking.getQueueLength() + 1);
      observe(grant);
      if (grant.granted() == 0) {
        TimeUnit.MILLISECONDS.sleep(grant.waitMs());
        continue;
      }
      long start = now + (long) (grant.startMs() * 1_000_000);
      long spacing = (long) (1_000_000_000 / grant.rate());
      for (int i = 0; i < grant.granted(); i++) {
        slots.addLast(start + i * spacing);
      }
    }
  }

  private void observe(ProviderRateTable.Grant grant) {
    var before = ceiling;
    epoch = grant.epoch();
    rate = grant.rate();
    ceiling = grant.ceiling();
    if (backedOff && before != null && ceiling != null && rate >= 0.95 * ceiling) {
      backedOff = false;
      log.info(
          "provider rate recovered to {} calls/s (95% of the {} calls/s the provider refused); climbing slowly towards it",
          round(rate), round(ceiling));
    }
    if (before != null && ceiling == null) {
      backedOff = false;
      log.info(
          "provider rate climbed past the {} calls/s it was refused at without a 429: the provider's limit rose; climbing to CHARON_PROVIDER_RATE_LIMIT={}",
          round(before),
          round(limit));
    }
  }

  @Override
  public void throttled(Permit permit, Throttle throttle) {
    var pause = throttle.retryAfter().orElse(DEFAULT_PAUSE);
    if (pause.compareTo(MAX_PAUSE) > 0) {
      pause = MAX_PAUSE;
    }
    resumeAt = System.nanoTime() + pause.toNanos();
    var backOff = table.throttled(permit.epoch(), permit.rate(), pause);
    if (backOff.decreased()) {
      backedOff = true;
      rate = backOff.rate();
      log.warn(
          "provider answered 429 at a shared rate of {} calls/s: every worker pauses {} ms (Retry-After {}), then the shared rate climbs back from {} calls/s",
          round(permit.rate()),
          pause.toMillis(),
          throttle.retryAfter().map(d -> d.toSeconds() + " s").orElse("not given"),
          round(backOff.rate()));
    }
  }

  @Override
  public boolean retriesThrottled() {
    return true;
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }
}
