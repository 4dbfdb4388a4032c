package dev.charon.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.charon.refund.ProviderFacts;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies stored provider events, oldest first: right after the intake stored one ({@link
 * #applySoon}, on a virtual thread, so the provider's request is answered first) and in every
 * maintenance run (what a crash or a restart left). Claims are SKIP LOCKED leases, so servers
 * applying at once never apply one event twice, and every fact is idempotent anyway. An event whose
 * applying throws (the database away) is tried again with backoff, at most {@link #MAX_TRIES}
 * times, then FAILED and reported; an event about something Charon cannot place is UNMATCHED at
 * once: stored and reported, never retried.
 */
public final class ProviderEventApplier implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProviderEventApplier.class);
  static final int MAX_TRIES = 5;
  private static final Duration LEASE = Duration.ofMinutes(1);
  private static final int BATCH = 50;

  private final ProviderEvents events;
  private final StripeEventFacts stripe;
  private final GatewayEventFacts gateway;
  private final Clock clock;
  private final MeterRegistry metrics;
  private final ObjectMapper json = new ObjectMapper();
  private final ExecutorService soon =
      Executors.newSingleThreadExecutor(Thread.ofVirtual().factory());
  private final AtomicBoolean queued = new AtomicBoolean();

  public ProviderEventApplier(
      ProviderEvents events,
      ProviderFacts facts,
      PaymentIntentSettlement settlement,
      Clock clock,
      MeterRegistry metrics) {
    this.events = events;
    this.stripe = new StripeEventFacts(facts, settlement, "a Stripe event");
    this.gateway = new GatewayEventFacts(facts);
    this.clock = clock;
    this.metrics = metrics;
  }

  /** Applies what is due soon, off the caller's thread; calls while one is queued coalesce. */
  public void applySoon() {
    if (queued.compareAndSet(false, true)) {
      try {
        soon.execute(
            () -> {
              queued.set(false);
              try {
                runOnce();
              } catch (RuntimeException e) {
                log.warn("applying provider events failed; the maintenance task tries again", e);
              }
            });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        queued.set(false); // closing: the maintenance task of another server applies it
      }
    }
  }

  /** Applies every due event; returns how many were settled. */
  public int runOnce() {
    int settled = 0;
    while (true) {
      var batch = events.claim(BATCH, clock.instant(), LEASE);
      if (batch.isEmpty()) {
        return settled;
      }
      for (var event : batch) {
        if (apply(event)) {
          settled++;
        }
      }
    }
  }

  private boolean apply(ProviderEvents.Claimed e) {
    EventOutcome outcome;
    try {
      var payload = json.readTree(e.payload());
      outcome =
          switch (e.provider()) {
            case "stripe" -> stripe.apply(e.eventId(), e.type(), payload);
            case "gateway" -> gateway.apply(e.type(), payload);
            default -> EventOutcome.unmatched("no applier for provider " + e.provider(), null);
          };
    } catch (IOException | RuntimeException failure) {
      return retryOrFail(e, failure);
    }
    boolean settled =
        events.settle(
            e.id(),
            outcome.status().name(),
            outcome.detail(),
            outcome.invoiceId(),
            clock.instant());
    if (settled) {
      count(e, outcome.status().tag());
      var line = "{} event {} ({}) {}: {}";
      if (outcome.status() == EventOutcome.Status.UNMATCHED) {
        log.warn(
            line,
            e.provider(),
            e.eventId(),
            e.type(),
            "unmatched, kept for an operator",
            outcome.detail());
      } else {
        log.info(
            line, e.provider(), e.eventId(), e.type(), outcome.status().tag(), outcome.detail());
      }
    }
    return settled;
  }

  private boolean retryOrFail(ProviderEvents.Claimed e, Exception failure) {
    var why = failure.getClass().getSimpleName() + ": " + failure.getMessage();
    if (e.tries() >= MAX_TRIES) {
      events.settle(e.id(), "FAILED", why, null, clock.instant());
      count(e, "failed");
      log.error(
          "{} event {} ({}) failed {} times and is kept as FAILED: {}",
          e.provider(),
          e.eventId(),
          e.type(),
          e.tries(),
          why,
          failure);
      return true;
    }
    var next = clock.instant().plus(Duration.ofSeconds(30L << Math.min(e.tries(), 8)));
    events.retryAt(e.id(), next, why);
    count(e, "retried");
    log.warn(
        "{} event {} ({}) could not be applied (try {}), again at {}: {}",
        e.provider(),
        e.eventId(),
        e.type(),
        e.tries(),
        next,
        why);
    return false;
  }

  private void count(ProviderEvents.Claimed e, String outcome) {
    Counter.builder("charon.provider.events.applied")
        .description("Provider events applied, by provider, type and outcome")
        .tag("provider", e.provider())
        .tag("type", e.type())
        .tag("outcome", outcome)
        .register(metrics)
        .increment();
  }

  @Override
  public void close() {
    soon.shutdown();
  }
}
