package dev.charon.gateway;

import java.util.OptionalInt;

/**
 * {@code --rate-limit N}: money calls (charges and refunds) above N per second are answered 429
 * before anything is processed, as Stripe does above its limit. A token bucket, as Stripe describes
 * its own limiters: N tokens a second, at most a second's worth saved up, so calls bunched by a
 * stall of the caller or of the gateway itself (a GC, a loaded machine) are not punished as a
 * burst, while a sustained rate above N is refused once the saved second is spent.
 */
final class CallRate implements MoneyCallGate {
  private static final double SECOND = 1e9;

  /** The bucket in force; null: no limit. Replaced whole when the limit changes at run time. */
  private volatile Bucket bucket;

  CallRate(OptionalInt callsPerSecond) {
    set(callsPerSecond);
  }

  void set(OptionalInt callsPerSecond) {
    callsPerSecond.ifPresent(
        n -> {
          if (n < 1) {
            throw new IllegalArgumentException("rateLimit must be >= 1 call per second, was " + n);
          }
        });
    bucket = callsPerSecond.isPresent() ? new Bucket(callsPerSecond.getAsInt()) : null;
  }

  OptionalInt limit() {
    var b = bucket;
    return b == null ? OptionalInt.empty() : OptionalInt.of(b.perSecond);
  }

  @Override
  public void admit() {
    long retryAfter = tryAcquire();
    if (retryAfter > 0) {
      throw new GatewayError(
              429,
              "rate_limited",
              "more than " + limit().orElse(0) + " calls per second; nothing was processed")
          .withHeader("Retry-After", Long.toString(retryAfter));
    }
  }

  /** 0 when the call may go; else whole seconds to wait (Retry-After). */
  long tryAcquire() {
    var b = bucket;
    return b == null ? 0 : b.tryAcquire(System.nanoTime());
  }

  private static final class Bucket {
    private final int perSecond;
    private final double capacity;
    private double tokens;
    private long filledAt;

    Bucket(int perSecond) {
      this.perSecond = perSecond;
      this.capacity = perSecond;
      this.tokens = capacity;
      this.filledAt = System.nanoTime();
    }

    synchronized long tryAcquire(long now) {
      tokens = Math.min(capacity, tokens + (now - filledAt) / SECOND * perSecond);
      filledAt = now;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1 - tokens) / perSecond));
    }
  }
}
