package dev.charon.ratelimit;

import dev.charon.payment.PaymentProvider;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.payment.domain.RefundRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;

/**
 * A provider whose every call, charge or refund, first takes a permit from the shared rate limit
 * ({@code CHARON_PROVIDER_RATE_LIMIT}). A 429 says nothing was processed: it lowers the shared
 * rate, pauses every worker for its {@code Retry-After}, and the same request (same idempotency
 * key) goes again once the budget allows, up to {@link #CALLS} calls; then the caller gets the
 * throttled Unavailable, as any refusal.
 */
public final class RateLimitedProvider implements PaymentProvider {
  /** Calls per request: the first and two more after a 429. */
  static final int CALLS = 3;

  private final PaymentProvider delegate;
  private final Budget budget;
  private final Counter granted;
  private final Counter throttled;
  private final Timer waited;

  RateLimitedProvider(PaymentProvider delegate, Budget budget, MeterRegistry metrics) {
    this.delegate = delegate;
    this.budget = budget;
    this.granted =
        Counter.builder("charon.provider.rate.granted")
            .description("Provider calls (charges and refunds) granted by the rate limit")
            .register(metrics);
    this.throttled =
        Counter.builder("charon.provider.rate.throttled")
            .description("Provider calls answered 429 (rate limited)")
            .register(metrics);
    this.waited =
        Timer.builder("charon.provider.rate.wait")
            .description("Time a provider call waited for the shared rate limit's permit")
            .register(metrics);
  }

  /**
   * The provider a worker calls: limited through the {@code provider_rate} row when {@code
   * settings} name a limit, else unlimited (the metrics exist either way).
   */
  public static RateLimitedProvider wrap(
      PaymentProvider provider, RateLimitSettings settings, Jdbi jdbi, MeterRegistry metrics) {
    Budget budget =
        settings.callsPerSecond().isPresent()
            ? new SharedBudget(
                new ProviderRateTable(jdbi, "provider", settings.callsPerSecond().getAsDouble()),
                settings.callsPerSecond().getAsDouble(),
                metrics)
            : new Unlimited();
    return new RateLimitedProvider(provider, budget, metrics);
  }

  @Override
  public ChargeOutcome charge(ChargeRequest request) {
    return call(
        () -> delegate.charge(request),
        outcome ->
            outcome instanceof ChargeOutcome.Unavailable u ? u.throttle().orElse(null) : null,
        ChargeOutcome.Unavailable::new);
  }

  @Override
  public RefundOutcome refund(RefundRequest request) {
    return call(
        () -> delegate.refund(request),
        outcome ->
            outcome instanceof RefundOutcome.Unavailable u ? u.throttle().orElse(null) : null,
        RefundOutcome.Unavailable::new);
  }

  private <T> T call(
      Supplier<T> send,
      Function<T, dev.charon.payment.domain.Throttle> throttleOf,
      Function<String, T> notSent) {
    for (int call = 1; ; call++) {
      Budget.Permit permit;
      long asked = System.nanoTime();
      try {
        permit = budget.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return notSent.apply("interrupted while waiting for the provider rate limit");
      } catch (RuntimeException e) {
        // The database holds the budget; without it nothing is sent, and the engine retries.
        return notSent.apply("the provider rate limit could not be read: " + e);
      }
      waited.record(System.nanoTime() - asked, java.util.concurrent.TimeUnit.NANOSECONDS);
      granted.increment();
      var outcome = send.get();
      var throttle = throttleOf.apply(outcome);
      if (throttle == null) {
        return outcome;
      }
      throttled.increment();
      try {
        budget.throttled(permit, throttle);
      } catch (RuntimeException e) {
        return outcome; // could not share the back-off: hand the refusal to the engine's backoff
      }
      if (call >= CALLS || !budget.retriesThrottled()) {
        return outcome;
      }
    }
  }
}
