package dev.charon.refund;

import dev.charon.payment.PaymentProvider;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.payment.domain.RefundRequest;
import dev.charon.refund.domain.RefundPolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends reserved refunds to the provider, in every worker whatever its charge transport: it claims
 * refund rows itself ({@code FOR UPDATE SKIP LOCKED} and a lease), calls the provider with the key
 * the refund was created with, and records the outcome in one transaction. The refund row is the
 * refund's durable attempt: it and its key were committed before any call, so an executor that dies
 * anywhere leaves a row whose lease lapses, and the next claim sends the same key; the provider
 * replays its first answer instead of refunding again.
 */
public final class RefundExecutor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RefundExecutor.class);

  private final RefundStore store;
  private final PaymentProvider provider;
  private final RefundPolicy policy;
  private final Clock clock;
  private final String owner;
  private final Duration lease;
  private final Duration poll;
  private final int batch;
  private final MeterRegistry metrics;
  private final Timer latency;
  private volatile boolean running;
  private Thread loop;

  /** An executor over {@code jdbi}; credit notes of settled refunds count in {@code metrics}. */
  public static RefundExecutor create(
      org.jdbi.v3.core.Jdbi jdbi,
      PaymentProvider provider,
      RefundPolicy policy,
      Clock clock,
      String owner,
      Duration lease,
      Duration poll,
      int batch,
      MeterRegistry metrics) {
    return new RefundExecutor(
        new RefundStore(jdbi, new dev.charon.credit.CreditNotes(jdbi, metrics)),
        provider,
        policy,
        clock,
        owner,
        lease,
        poll,
        batch,
        metrics);
  }

  RefundExecutor(
      RefundStore store,
      PaymentProvider provider,
      RefundPolicy policy,
      Clock clock,
      String owner,
      Duration lease,
      Duration poll,
      int batch,
      MeterRegistry metrics) {
    this.store = store;
    this.provider = provider;
    this.policy = policy;
    this.clock = clock;
    this.owner = owner;
    this.lease = lease;
    this.poll = poll;
    this.batch = batch;
    this.metrics = metrics;
    this.latency =
        Timer.builder("charon.refund.call")
            .description("Refund calls to the provider, from claim to answer")
            .register(metrics);
  }

  public RefundExecutor start() {
    running = true;
    loop = Thread.ofPlatform().daemon().name("refund-executor").start(this::run);
    return this;
  }

  private void run() {
    while (running) {
      try {
        if (runOnce() == 0) {
          Thread.sleep(poll); // real time: only how soon a new refund is noticed
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.warn("refund executor round failed; its refunds' leases lapse and they are retried", e);
        try {
          Thread.sleep(poll); // a round's pause before trying again, not a retry loop on the error
        } catch (InterruptedException stop) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** One round: claims up to the batch, calls the provider for each, records each. */
  public int runOnce() {
    var claimed = store.claim(owner, lease, batch);
    if (claimed.isEmpty()) {
      return 0;
    }
    try (var calls = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> done = new ArrayList<>();
      for (var c : claimed) {
        done.add(calls.submit(() -> settle(c)));
      }
      for (var f : done) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          // A call or record that threw leaves its refund UNKNOWN under a lease that lapses: the
          // next claim sends the same key. That is the crash path, taken on purpose.
          log.warn(
              "refund call or record failed; the refund is sent again after its lease",
              e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return claimed.size();
        }
      }
    }
    return claimed.size();
  }

  private void settle(RefundStore.Claimed c) {
    if (c.chargeReference() == null) {
      // Nothing was charged at the provider for this invoice (seeded data, or paid another way).
      store.fail(
          c.id(),
          RefundOutcome.Refused.CHARGE_UNKNOWN,
          "invoice " + c.invoiceId() + " has no successful charge at the provider to refund",
          clock.instant());
      count("no_charge");
      return;
    }
    var request =
        new RefundRequest(
            c.invoiceId(), c.chargeReference(), c.amount(), c.idempotencyKey(), c.reason());
    long started = System.nanoTime();
    var outcome = provider.refund(request);
    latency.record(Duration.ofNanos(System.nanoTime() - started));
    count(
        switch (outcome) {
          case RefundOutcome.Refunded r -> "refunded";
          case RefundOutcome.Refused r -> "refused";
          case RefundOutcome.Unavailable u -> "unavailable";
          case RefundOutcome.Unknown u -> "unknown";
        });
    var now = clock.instant();
    switch (policy.decide(
        outcome, c.calls(), c.untouched(), now, ThreadLocalRandom.current()::nextDouble)) {
      case RefundPolicy.Decision.Succeed s -> {
        var settled = store.succeed(c.id(), s.providerReference(), owner, now);
        settled.ifPresentOrElse(
            r ->
                log.info(
                    "refund {} of invoice {} settled: {} refunded ({}), invoice {} refunded {} minor units, credit note {}, key {}",
                    c.refundNo(),
                    c.invoiceId(),
                    c.amount(),
                    s.providerReference(),
                    r.invoiceStatus(),
                    r.refundedMinor(),
                    r.note().number(),
                    c.idempotencyKey()),
            () ->
                log.info(
                    "refund {} of invoice {} was already settled; the provider replayed {}",
                    c.refundNo(),
                    c.invoiceId(),
                    s.providerReference()));
      }
      case RefundPolicy.Decision.Fail f -> {
        store.fail(c.id(), f.code(), f.message(), now);
        log.info(
            "refund {} of invoice {} refused by the provider ({}): {}; its {} is released",
            c.refundNo(),
            c.invoiceId(),
            f.code(),
            f.message(),
            c.amount());
      }
      case RefundPolicy.Decision.Retry r -> {
        boolean deferred = store.defer(c, owner, r.at(), r.detail(), r.neverProcessed());
        log.info(
            "refund {} of invoice {}: {}; sent again with key {} at {}{}",
            c.refundNo(),
            c.invoiceId(),
            r.detail(),
            c.idempotencyKey(),
            r.at(),
            deferred ? "" : " (another executor called since; left to it)");
      }
    }
  }

  private void count(String outcome) {
    Counter.builder("charon.refunds")
        .description("Refund calls to the provider, by outcome")
        .tag("outcome", outcome)
        .register(metrics)
        .increment();
  }

  @Override
  public void close() {
    running = false;
    if (loop != null) {
      loop.interrupt();
      try {
        loop.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
