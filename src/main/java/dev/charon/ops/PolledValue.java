package dev.charon.ops;

import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A value read from the database for a gauge, at most once per {@code maxAge} however many scrapers
 * ask (Prometheus in two replicas, a person with curl): the scrape pays one query now and then, not
 * one per scrape. A failed read keeps the previous value and is logged; the database being down has
 * its own readiness check.
 */
public final class PolledValue<T> implements Supplier<T> {
  private static final Logger log = LoggerFactory.getLogger(PolledValue.class);

  private final String what;
  private final Supplier<T> read;
  private final long maxAgeNanos;
  private final T initial;
  private T value;
  private long readAt;
  private boolean fresh;

  public PolledValue(String what, Supplier<T> read, Duration maxAge, T initial) {
    this.what = what;
    this.read = read;
    this.maxAgeNanos = maxAge.toNanos();
    this.initial = initial;
    this.value = initial;
  }

  @Override
  public synchronized T get() {
    long now = System.nanoTime();
    if (!fresh || now - readAt >= maxAgeNanos) {
      readAt = now;
      fresh = true;
      try {
        value = read.get();
      } catch (RuntimeException e) {
        log.warn(
            "reading {} for the metrics failed; keeping the last value: {}", what, e.toString());
        if (value == null) {
          value = initial;
        }
      }
    }
    return value;
  }
}
