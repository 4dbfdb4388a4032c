package dev.charon.charging;

import dev.charon.payment.ChargeOutcome;
import dev.charon.payment.ChargeRequest;
import dev.charon.payment.PaymentProvider;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Charges one invoice whose charge request was delivered (DESIGN.md flow step 4): write the attempt
 * (outcome UNKNOWN) before calling the provider, call it with the attempt's idempotency key, then
 * record the outcome and the invoice's new state in one transaction, guarded in SQL so that a
 * state already reached is never reached twice. Safe to call for the same invoice from any number
 * of workers and deliveries at once.
 */
public final class ChargeEngine {
  private static final Logger log = LoggerFactory.getLogger(ChargeEngine.class);

  /** How handling one delivery ended. */
  public sealed interface Result {
    /** The invoice was settled by this call. */
    record Settled(Decision decision) implements Result {}
    /** Nothing to do: the invoice was not PROCESSING or another delivery settled it first. */
    record Stale() implements Result {}
    /** The request goes back to the queue until {@code at} (unknown result, or breaker open). */
    record Rescheduled(Instant at, String why) implements Result {}
  }

  private final Jdbi jdbi;
  private final PaymentProvider provider;
  private final ChargePolicy policy;
  private final CircuitBreaker breaker;
  private final Clock clock;
  private final String worker;
  private final ChargeStore store = new ChargeStore();
  private final MeterRegistry metrics;
  private final Timer providerLatency;

  public ChargeEngine(
      Jdbi jdbi, PaymentProvider provider, ChargePolicy policy, CircuitBreaker breaker, Clock clock, String worker,
      MeterRegistry metrics) {
    this.jdbi = jdbi;
    this.provider = provider;
    this.policy = policy;
    this.breaker = breaker;
    this.clock = clock;
    this.worker = worker;
    this.metrics = metrics;
    this.providerLatency =
        Timer.builder("charon.provider.latency").publishPercentileHistogram().register(metrics);
  }

  public Result process(long invoiceId) {
    MDC.put("invoice", Long.toString(invoiceId));
    try {
      return charge(invoiceId);
    } finally {
      MDC.remove("invoice");
      MDC.remove("attempt");
    }
  }

  private Result charge(long invoiceId) {
    var blockedUntil = breaker.tryAcquire();
    if (blockedUntil.isPresent()) {
      var at = blockedUntil.get();
      jdbi.useTransaction(h -> store.rescheduleRequest(h, invoiceId, at));
      count("breaker_open");
      return new Result.Rescheduled(at, "circuit breaker open");
    }
    var opened = jdbi.inTransaction(h -> store.openAttempt(h, invoiceId, worker));
    if (opened.isEmpty()) {
      breaker.onSuccess(); // no provider call was made; release a half-open trial
      jdbi.useTransaction(h -> store.deleteRequest(h, invoiceId));
      count("stale");
      return new Result.Stale();
    }
    var attempt = opened.get();
    MDC.put("attempt", Long.toString(attempt.attemptId()));
    var request = new ChargeRequest(invoiceId, attempt.customerId(), attempt.amount(), attempt.idempotencyKey());
    var sample = Timer.start(metrics);
    ChargeOutcome outcome = provider.charge(request);
    sample.stop(providerLatency);
    switch (outcome) {
      case ChargeOutcome.Unavailable u -> breaker.onFailure();
      case ChargeOutcome.Unknown u -> breaker.onFailure();
      default -> breaker.onSuccess();
    }
    var decision =
        policy.decide(
            outcome, attempt.declinesBefore(), attempt.unavailableBefore(), attempt.calls(), clock.instant(),
            ThreadLocalRandom.current()::nextDouble);
    count(outcomeName(outcome));
    return record(attempt, outcome, decision);
  }

  private Result record(ChargeStore.OpenAttempt attempt, ChargeOutcome outcome, Decision decision) {
    long invoiceId = attempt.invoiceId();
    if (decision instanceof Decision.Reconcile reconcile) {
      jdbi.useTransaction(
          h -> {
            store.lockInvoice(h, invoiceId);
            store.noteUnknown(h, attempt.attemptId(), reconcile.reason());
            store.rescheduleRequest(h, invoiceId, reconcile.at());
          });
      log.info("invoice {} attempt {}: {}; next call at {}", invoiceId, attempt.attemptId(), reconcile.reason(), reconcile.at());
      return new Result.Rescheduled(reconcile.at(), reconcile.reason());
    }
    boolean settled;
    try {
      jdbi.useTransaction(
          h -> {
            store.lockInvoice(h, invoiceId);
            // Both guards must hold, or nothing of this transaction stays.
            if (!store.completeAttempt(h, attempt.attemptId(), outcomeName(outcome), reference(outcome), decision.reason())
                || !settle(h, invoiceId, decision)) {
              throw new AlreadySettled();
            }
            store.deleteRequest(h, invoiceId);
          });
      settled = true;
    } catch (AlreadySettled e) {
      settled = false;
    }
    if (!settled) {
      log.info("invoice {} attempt {} was already settled by another delivery", invoiceId, attempt.attemptId());
      return new Result.Stale();
    }
    log.info("invoice {} attempt {} {}: {}", invoiceId, attempt.attemptId(), outcomeName(outcome), decision.reason());
    return new Result.Settled(decision);
  }

  private boolean settle(org.jdbi.v3.core.Handle h, long invoiceId, Decision decision) {
    return switch (decision) {
      case Decision.Paid p -> store.settleInvoice(h, invoiceId, "PAID", p.paidAt(), null, null, p.reason(), worker);
      case Decision.RetryAt r -> store.settleInvoice(h, invoiceId, "RETRY_SCHEDULED", null, r.at(), r.reason(), r.reason(), worker);
      case Decision.NeedsAction n -> store.settleInvoice(h, invoiceId, "ACTION_REQUIRED", null, null, n.reason(), n.reason(), worker);
      case Decision.Uncollectible u -> store.settleInvoice(h, invoiceId, "UNCOLLECTIBLE", null, null, u.reason(), u.reason(), worker);
      case Decision.Reconcile r -> throw new IllegalStateException("reconciliation does not settle");
    };
  }

  private static final class AlreadySettled extends RuntimeException {
    AlreadySettled() {
      super(null, null, false, false);
    }
  }

  static String outcomeName(ChargeOutcome outcome) {
    return switch (outcome) {
      case ChargeOutcome.Charged c -> "CHARGED";
      case ChargeOutcome.Declined d -> "DECLINED";
      case ChargeOutcome.CustomerNotFound n -> "CUSTOMER_NOT_FOUND";
      case ChargeOutcome.CurrencyMismatch m -> "CURRENCY_MISMATCH";
      case ChargeOutcome.Unavailable u -> "UNAVAILABLE";
      case ChargeOutcome.Unknown u -> "UNKNOWN";
    };
  }

  private static String reference(ChargeOutcome outcome) {
    return outcome instanceof ChargeOutcome.Charged c ? c.providerReference() : null;
  }

  private void count(String outcome) {
    metrics.counter("charon.charges", "outcome", outcome.toLowerCase(java.util.Locale.ROOT)).increment();
  }
}
