package dev.charon.charging;

import dev.charon.charging.domain.ChargePolicy;
import dev.charon.charging.domain.CircuitBreaker;
import dev.charon.charging.domain.Decision;
import dev.charon.ops.LogContext;
import dev.charon.payment.PaymentProvider;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Charges invoices whose charge requests were delivered (DESIGN.md flow step 4), in three steps:
 * {@link #open} writes the attempts (outcome UNKNOWN, idempotency key) of a batch in one
 * transaction before any provider call; {@link #call} calls the provider with the attempt's key and
 * decides what the outcome means; {@link #record} writes the outcomes and the invoices' new states
 * of a batch in one statement, guarded in SQL so a state already reached is never reached twice.
 * Safe for any number of workers and deliveries of the same invoice at once.
 */
public final class ChargeEngine {
  /** How handling one delivery ended. */
  public sealed interface Result {
    /** The invoice was settled by this delivery. */
    record Settled(Decision decision) implements Result {}

    /** Nothing to do: the invoice was not PROCESSING, or another delivery settled it first. */
    record Stale() implements Result {}

    /** The request goes back to the queue until {@code at} (unknown result, or breaker open). */
    record Rescheduled(Instant at, String why) implements Result {}
  }

  /** An opened attempt's provider call and what it means. */
  public record Call(ChargeStore.OpenAttempt attempt, ChargeOutcome outcome, Decision decision) {
    public long invoiceId() {
      return attempt.invoiceId();
    }
  }

  private final Jdbi jdbi;
  private final PaymentProvider provider;
  private final ChargePolicy policy;
  private final CircuitBreaker breaker;
  private final Clock clock;
  private final String worker;
  private final ChargeStore store = new ChargeStore();
  private final ChargeBooks books;

  public ChargeEngine(
      Jdbi jdbi,
      PaymentProvider provider,
      ChargePolicy policy,
      CircuitBreaker breaker,
      Clock clock,
      String worker,
      MeterRegistry metrics) {
    this.jdbi = jdbi;
    this.provider = provider;
    this.policy = policy;
    this.breaker = breaker;
    this.clock = clock;
    this.worker = worker;
    this.books = new ChargeBooks(metrics, breaker);
  }

  public CircuitBreaker breaker() {
    return breaker;
  }

  /**
   * Step 1: opens (or reuses) the attempts of a batch of delivered invoices, in one transaction.
   */
  public Opened open(List<Long> invoiceIds) {
    return jdbi.inTransaction(h -> open(h, invoiceIds));
  }

  /**
   * Step 1 inside the caller's transaction: the table intake claims the requests and opens their
   * attempts in one transaction, so a batch costs one commit, and a failure rolls back the claim
   * with the attempts.
   */
  Opened open(Handle h, List<Long> invoiceIds) {
    var opened = store.open(h, invoiceIds, worker);
    books.stale(opened.stale());
    return opened;
  }

  /** Step 2: calls the provider with the attempt's key, unless the circuit breaker is open. */
  public Call call(ChargeStore.OpenAttempt attempt) {
    var blockedUntil = breaker.tryAcquire();
    if (blockedUntil.isPresent()) {
      books.blocked();
      return new Call(
          attempt,
          null,
          new Decision.Reconcile(blockedUntil.get(), "circuit breaker open; not called"));
    }
    // The provider adapter's own log lines (and any exception's) carry the invoice and attempt.
    return LogContext.inAttempt(
        attempt.invoiceId(), attempt.attemptId(), () -> callProvider(attempt));
  }

  private Call callProvider(ChargeStore.OpenAttempt attempt) {
    var request =
        new ChargeRequest(
            attempt.invoiceId(),
            attempt.attemptId(),
            attempt.customerId(),
            attempt.customerReference(),
            attempt.amount(),
            attempt.idempotencyKey());
    var sample = books.calling();
    ChargeOutcome outcome;
    try {
      outcome = provider.charge(request);
    } catch (RuntimeException | Error e) {
      breaker.onFailure(); // a half-open breaker's trial call must end either way
      throw e;
    }
    switch (outcome) {
      case ChargeOutcome.Unavailable u -> breaker.onFailure();
      case ChargeOutcome.Unknown u -> breaker.onFailure();
      default -> breaker.onSuccess();
    }
    books.called(sample, outcome);
    var decision =
        policy.decide(
            outcome,
            attempt.declinesBefore(),
            attempt.unavailableBefore(),
            attempt.calls(),
            clock.instant(),
            ThreadLocalRandom.current()::nextDouble);
    return new Call(attempt, outcome, decision);
  }

  /**
   * Step 3: records a batch of calls in one transaction; returns each invoice's result, which the
   * books count and log.
   */
  public Map<Long, Result> record(List<Call> calls) {
    var finals = new ArrayList<ChargeStore.Final>();
    var finalOf = new java.util.IdentityHashMap<Call, ChargeStore.Final>();
    var deferred = new ArrayList<ChargeStore.Deferred>();
    var rescheduled = new java.util.IdentityHashMap<Call, Result>();
    for (var call : calls) {
      var a = call.attempt();
      switch (call.decision()) {
        case Decision.Reconcile r -> {
          deferred.add(
              new ChargeStore.Deferred(
                  a.invoiceId(), a.attemptId(), a.calls(), r.at(), r.reason()));
          rescheduled.put(call, new Result.Rescheduled(r.at(), r.reason()));
        }
        case Decision.Final f -> {
          var fin = fin(call, f);
          finals.add(fin);
          finalOf.put(call, fin);
        }
      }
    }
    var settled =
        jdbi.inTransaction(
            h -> {
              if (!deferred.isEmpty()) {
                store.defer(h, deferred);
              }
              return finals.isEmpty()
                  ? java.util.Set.<ChargeStore.Final>of()
                  : store.settle(h, finals, worker);
            });
    var results = new HashMap<Long, Result>();
    for (var call : calls) {
      var fin = finalOf.get(call);
      Result result =
          fin == null
              ? rescheduled.get(call)
              : settled.contains(fin) ? new Result.Settled(call.decision()) : new Result.Stale();
      // Two results for one invoice (duplicate deliveries in one batch): the one that settled it
      // wins.
      results.merge(
          call.invoiceId(), result, (old, mine) -> old instanceof Result.Settled ? old : mine);
    }
    books.recorded(calls, results);
    return results;
  }

  private ChargeStore.Final fin(Call call, Decision.Final decision) {
    var a = call.attempt();
    return new ChargeStore.Final(
        a.invoiceId(),
        a.attemptId(),
        a.calls(),
        ChargeBooks.outcomeName(call.outcome()),
        reference(call.outcome()),
        decision.transition().by(worker, decision.reason()),
        decision.paidAt(),
        decision.nextAttemptAt(),
        decision.failure(),
        declineCode(call.outcome()),
        call.outcome() instanceof ChargeOutcome.Declined d ? d.detail() : null);
  }

  /**
   * The provider's decline code, trimmed to what the column holds; null for anything but a decline.
   */
  private static String declineCode(ChargeOutcome outcome) {
    if (!(outcome instanceof ChargeOutcome.Declined d)
        || d.reason() == null
        || d.reason().isBlank()) {
      return null;
    }
    var code = d.reason().trim();
    return code.length() > 100 ? code.substring(0, 100) : code;
  }

  /**
   * The provider's reference of the attempt: the charge, or the payment a decline left at the
   * provider (a PaymentIntent waiting for the customer, which a later provider event settles).
   */
  private static String reference(ChargeOutcome outcome) {
    return switch (outcome) {
      case ChargeOutcome.Charged c -> c.providerReference();
      case ChargeOutcome.Declined d -> d.detail().providerReference();
      default -> null;
    };
  }
}
