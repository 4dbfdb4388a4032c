package dev.charon.testing;

import dev.charon.charging.domain.CircuitBreaker;

/** A breaker's state as tests name it, read through what production asks of the breaker. */
public enum BreakerState {
  CLOSED,
  OPEN,
  HALF_OPEN;

  public static BreakerState of(CircuitBreaker breaker) {
    if (breaker.isClosed()) {
      return CLOSED;
    }
    return breaker.openFor().isPresent() ? OPEN : HALF_OPEN;
  }
}
