package dev.charon.charging;

import dev.charon.charging.domain.ChargePolicy;
import dev.charon.charging.domain.CircuitBreaker;
import dev.charon.charging.domain.Decision;
import dev.charon.invoice.domain.InvoiceTransition;
import dev.charon.ops.LogContext;
import dev.charon.payment.PaymentProvider;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.domain.DeclineCode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Charges invoices whose charge requests were delivered (DESIGN.md flow step 4), in three steps:
 * {@link #open} writes the attempts (outcome UNKNOWN, idempotency key) of a batch in one
 * transaction before any provider call; {@link #call} calls the provider with the attempt's key and
 * decides what the outcome means; {@link #record} writes the outcomes and the invoices' new states
 * of a batch in one statement, guarded in SQL so a state already reached is never reached twice.
 * Safe for any number of workers and deliveries of the same invoice at once.
 */
public final class ChargeEngine {
  private static final Logger log = LoggerFactory.getLogger(ChargeEngine.class);

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

  /** What {@link #open} produced: attempts to call, and invoices whose requests were stale. */
  public record Opened(List<ChargeStore.OpenAttempt> attempts, java.util.Set<Long> stale) {}

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
    this.metrics = metrics;
    this.providerLatency =
        Timer.builder("charon.provider.latency")
            .description("Provider call latency")
            .publishPercentileHistogram()
            .register(metrics);
    // Half-open counts as open: the worker still takes no work beyond the one trial call.
    io.micrometer.core.instrument.Gauge.builder(
            "charon.provider.breaker.open",
            breaker,
            b -> b.state() == CircuitBreaker.State.CLOSED ? 0 : 1)
        .description("1 while this worker's circuit breaker keeps it from calling the provider")
        .register(metrics);
    // Registered before the first call, so the outcomes an alert divides by exist from the start.
    for (var outcome : List.of("charged", "declined", "unavailable", "unknown")) {
      metrics.counter("charon.charges", "outcome", outcome);
    }
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
   * Step 1 inside the caller's transaction: the PostgreSQL transport claims the requests and opens
   * their attempts in one transaction, so a batch costs one commit, and a failure rolls back the
   * claim with the attempts.
   */
  Opened open(Handle h, List<Long> invoiceIds) {
    var opened = store.open(h, invoiceIds, worker);
    if (!opened.stale().isEmpty()) {
      metrics.counter("charon.charges", "outcome", "stale").increment(opened.stale().size());
      log.debug("stale charge requests dropped for invoices {}", opened.stale());
    }
    return new Opened(opened.attempts(), opened.stale());
  }

  /** Step 2: calls the provider with the attempt's key, unless the circuit breaker is open. */
  public Call call(ChargeStore.OpenAttempt attempt) {
    var blockedUntil = breaker.tryAcquire();
    if (blockedUntil.isPresent()) {
      metrics.counter("charon.charges", "outcome", "breaker_open").increment();
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
    var sample = Timer.start(metrics);
    ChargeOutcome outcome;
    try {
      outcome = provider.charge(request);
    } catch (RuntimeException | Error e) {
      breaker.onFailure(); // a half-open breaker's trial call must end either way
      throw e;
    }
    sample.stop(providerLatency);
    switch (outcome) {
      case ChargeOutcome.Unavailable u -> breaker.onFailure();
      case ChargeOutcome.Unknown u -> breaker.onFailure();
      default -> breaker.onSuccess();
    }
    metrics
        .counter("charon.charges", "outcome", outcomeName(outcome).toLowerCase(Locale.ROOT))
        .increment();
    if (outcome instanceof ChargeOutcome.Declined d) {
      // Known codes only as tag values: a provider's free text must not grow the metric's
      // cardinality.
      var code = DeclineCode.of(d.reason()).map(DeclineCode::code).orElse("other");
      metrics
          .counter(
              "charon.declines",
              "code",
              code,
              "class",
              DeclineCode.classify(d.reason()).name().toLowerCase(Locale.ROOT))
          .increment();
    }
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
   * caller counts and logs.
   */
  public Map<Long, Result> record(List<Call> calls) {
    var finals = new ArrayList<ChargeStore.Final>();
    var finalOf = new java.util.IdentityHashMap<Call, ChargeStore.Final>();
    var deferred = new ArrayList<ChargeStore.Deferred>();
    for (var call : calls) {
      var a = call.attempt();
      var f =
          switch (call.decision()) {
            case Decision.Reconcile r -> {
              deferred.add(
                  new ChargeStore.Deferred(
                      a.invoiceId(), a.attemptId(), a.calls(), r.at(), r.reason()));
              yield null;
            }
            case Decision.Paid p -> fin(call, InvoiceTransition.PAY, p.paidAt(), null, null);
            case Decision.RetryAt r ->
                fin(call, InvoiceTransition.SCHEDULE_RETRY, null, r.at(), r.reason());
            case Decision.NeedsAction n ->
                fin(call, InvoiceTransition.REQUIRE_ACTION, null, null, n.reason());
            case Decision.Uncollectible u ->
                fin(call, InvoiceTransition.GIVE_UP, null, null, u.reason());
          };
      if (f != null) {
        finals.add(f);
        finalOf.put(call, f);
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
      var a = call.attempt();
      Result result =
          switch (call.decision()) {
            case Decision.Reconcile r -> new Result.Rescheduled(r.at(), r.reason());
            default ->
                settled.contains(finalOf.get(call))
                    ? new Result.Settled(call.decision())
                    : new Result.Stale();
          };
      // Two results for one invoice (duplicate deliveries in one batch): the one that settled it
      // wins.
      results.merge(
          a.invoiceId(), result, (old, mine) -> old instanceof Result.Settled ? old : mine);
    }
    return results;
  }

  private ChargeStore.Final fin(
      Call call, InvoiceTransition transition, Instant paidAt, Instant next, String failure) {
    var a = call.attempt();
    var change = transition.by(worker, call.decision().reason());
    return new ChargeStore.Final(
        a.invoiceId(),
        a.attemptId(),
        a.calls(),
        outcomeName(call.outcome()),
        reference(call.outcome()),
        change,
        paidAt,
        next,
        failure,
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
