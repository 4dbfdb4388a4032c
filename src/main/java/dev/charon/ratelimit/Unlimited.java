package dev.charon.ratelimit;

import dev.charon.payment.domain.Throttle;

/**
 * {@code CHARON_PROVIDER_RATE_LIMIT} unset: calls go at once, and a 429 goes back to the caller as
 * the Unavailable it is (retried on the engine's own backoff, behind its breaker), as before.
 */
final class Unlimited implements Budget {
  private static final Permit ANY = new Permit(0, Double.POSITIVE_INFINITY);

  @Override
  public Permit acquire() {
    return ANY;
  }

  @Override
  public void throttled(Permit permit, Throttle throttle) {}

  @Override
  public boolean retriesThrottled() {
    return false;
  }
}
