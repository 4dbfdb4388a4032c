package dev.charon.charging;

import java.util.List;
import org.jdbi.v3.core.Jdbi;

/** The whole charge flow for one delivered invoice, as tests drive the engine without a worker. */
final class SingleDelivery {
  private SingleDelivery() {}

  /**
   * Open, call and record one invoice. With the breaker open nothing is opened: the request is
   * offered again when the breaker lets a trial through, as a worker that takes nothing would.
   */
  static ChargeEngine.Result process(ChargeEngine engine, Jdbi jdbi, long invoiceId) {
    // Open (not half-open): tryAcquire answers when it closes and takes no trial call.
    var blockedUntil =
        engine.breaker().openFor().isPresent()
            ? engine.breaker().tryAcquire()
            : java.util.Optional.<java.time.Instant>empty();
    if (blockedUntil.isPresent()) {
      jdbi.useHandle(
          h ->
              h.createUpdate(
                      """
                      with offered as (
                        update invoice set charge_available_at = :at, charge_lease_owner = null
                        where id = :id and charge_available_at is not null)
                      update charge_request set available_at = :at, lease_owner = null, lease_until = null, published_at = null
                      where invoice_id = :id
                      """)
                  .bind("id", invoiceId)
                  .bind("at", blockedUntil.get())
                  .execute());
      return new ChargeEngine.Result.Rescheduled(
          blockedUntil.get(), "circuit breaker open; not called");
    }
    var opened = engine.open(List.of(invoiceId));
    if (opened.attempts().isEmpty()) {
      return new ChargeEngine.Result.Stale();
    }
    var call = engine.call(opened.attempts().getFirst());
    return engine.record(List.of(call)).get(invoiceId);
  }
}
