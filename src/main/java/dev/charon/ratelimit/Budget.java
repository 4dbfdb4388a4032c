package dev.charon.ratelimit;

import dev.charon.payment.domain.Throttle;

/** Where provider calls get their permission to go: shared through PostgreSQL, or unlimited. */
interface Budget {
  /** The right to make one call now; blocks until there is one. */
  Permit acquire() throws InterruptedException;

  /** The provider answered a call made with {@code permit} with a 429. */
  void throttled(Permit permit, Throttle throttle);

  /** Whether a call refused with a 429 is sent again (same key) once the budget allows. */
  boolean retriesThrottled();

  /** One call's permission: the shared rate it was granted at and that rate's epoch. */
  record Permit(long epoch, double rate) {}
}
