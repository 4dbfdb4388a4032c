package dev.charon.payment.fake;

import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.PaymentProvider;
import dev.charon.payment.PaymentProviderException;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.payment.domain.RefundRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-process provider with the gateway's semantics and knobs: the first result of each
 * idempotency key is stored and replayed, a reuse with other parameters is a bug (thrown), a
 * concurrent duplicate is {@link ChargeOutcome.Unknown} (the gateway's 409). Its ledger is the
 * truth tests compare the database with.
 */
public final class SimulatedPaymentProvider implements PaymentProvider {

  /** Waits out simulated latency; tests pass one that does not sleep. */
  @FunctionalInterface
  public interface Sleeper {
    Sleeper REAL = Thread::sleep;

    void sleep(Duration duration) throws InterruptedException;
  }

  /** One stored result: what was asked, what was answered, when. */
  public record LedgerEntry(ChargeRequest request, ChargeOutcome outcome, Instant at) {
    public boolean charged() {
      return outcome instanceof ChargeOutcome.Charged;
    }
  }

  private record Pending(ChargeRequest request) {}

  private final Clock clock;
  private final Sleeper sleeper;
  private final Map<String, Object> byKey = new ConcurrentHashMap<>(); // Pending | LedgerEntry
  private final Map<String, Integer> networkFailures = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<LedgerEntry> ledger = new ConcurrentLinkedQueue<>();
  private final SimulatedRefunds refunds = new SimulatedRefunds();
  private final AtomicLong requests = new AtomicLong();
  private volatile FaultProfile profile;
  private volatile boolean outage;

  public SimulatedPaymentProvider(FaultProfile profile, Clock clock, Sleeper sleeper) {
    this.profile = Objects.requireNonNull(profile, "profile");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
  }

  @Override
  public ChargeOutcome charge(ChargeRequest request) {
    requests.incrementAndGet();
    var faults = profile;
    var key = request.idempotencyKey();
    if (outage) {
      return new ChargeOutcome.Unavailable("outage: the provider refuses every request");
    }
    int failures = networkFailures.getOrDefault(key, 0);
    if (faults.networkError(key, failures)) {
      networkFailures.merge(key, 1, Integer::sum);
      return new ChargeOutcome.Unavailable("network error before processing");
    }
    var prior = byKey.putIfAbsent(key, new Pending(request));
    if (prior != null) {
      return replay(request, prior);
    }
    try {
      sleeper.sleep(faults.latency(key, failures));
    } catch (InterruptedException e) {
      byKey.remove(key);
      Thread.currentThread().interrupt();
      return new ChargeOutcome.Unavailable("interrupted before processing");
    }
    var entry = new LedgerEntry(request, decide(faults, request), clock.instant());
    if (entry.outcome() instanceof ChargeOutcome.Charged charged) {
      refunds.charged(charged.providerReference(), request.invoiceId(), request.amount());
    }
    ledger.add(entry);
    byKey.put(key, entry);
    return faults.timeout(key)
        ? new ChargeOutcome.Unknown("timeout: response lost after processing")
        : entry.outcome();
  }

  /** A refund, with the same faults as a charge: outage, network error, latency, lost answer. */
  @Override
  public RefundOutcome refund(RefundRequest request) {
    requests.incrementAndGet();
    var faults = profile;
    var key = request.idempotencyKey();
    if (outage) {
      return new RefundOutcome.Unavailable("outage: the provider refuses every request");
    }
    int failures = networkFailures.getOrDefault(key, 0);
    if (faults.networkError(key, failures)) {
      networkFailures.merge(key, 1, Integer::sum);
      return new RefundOutcome.Unavailable("network error before processing");
    }
    var replayed = refunds.replay(request);
    if (replayed != null) {
      return replayed;
    }
    try {
      sleeper.sleep(faults.latency(key, failures));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new RefundOutcome.Unavailable("interrupted before processing");
    }
    var outcome =
        refunds.refund(request, "re_" + faults.chargeId(key).substring(3), clock.instant());
    return faults.timeout(key)
        ? new RefundOutcome.Unknown("timeout: response lost after processing")
        : outcome;
  }

  /** Opens a dispute on a successful charge: it can no longer be refunded until won. */
  public void openDispute(String chargeReference) {
    refunds.openDispute(chargeReference);
  }

  /** Closes the charge's open dispute; a lost one takes what was left of the charge. */
  public void closeDispute(String chargeReference, boolean won) {
    refunds.closeDispute(chargeReference, won);
  }

  /** Every stored refund result in the order it was processed. */
  public List<SimulatedRefunds.RefundEntry> refunds() {
    return refunds.ledger();
  }

  /** Money refunded, per currency. */
  public Map<Currency, Money> refundedTotals() {
    return refunds.refundedTotals();
  }

  /** Money lost to disputes, per currency. */
  public Map<Currency, Money> lostDisputeTotals() {
    return refunds.lostDisputeTotals();
  }

  private static ChargeOutcome replay(ChargeRequest request, Object prior) {
    var stored =
        switch (prior) {
          case Pending p -> p.request();
          case LedgerEntry e -> e.request();
          default -> throw new IllegalStateException("unexpected slot " + prior);
        };
    if (!sameParameters(stored, request)) {
      throw new PaymentProviderException(
          "idempotency key reused with other parameters", request, 0, String.valueOf(stored));
    }
    return prior instanceof LedgerEntry e
        ? e.outcome()
        : new ChargeOutcome.Unknown("request_in_progress");
  }

  private static boolean sameParameters(ChargeRequest a, ChargeRequest b) {
    return a.invoiceId() == b.invoiceId()
        && a.customerId() == b.customerId()
        && a.amount().equals(b.amount());
  }

  private ChargeOutcome decide(FaultProfile faults, ChargeRequest request) {
    var key = request.idempotencyKey();
    var decided = faults.decide(key, request.customerId(), request.invoiceId(), clock.instant());
    return switch (decided.verdict()) {
      case CHARGED -> new ChargeOutcome.Charged(faults.chargeId(key));
      case DECLINED -> new ChargeOutcome.Declined(decided.code().code(), decided.detail());
      case CUSTOMER_NOT_FOUND ->
          new ChargeOutcome.CustomerNotFound(
              "no customer " + request.customerId() + " at the provider");
      case CURRENCY_MISMATCH ->
          new ChargeOutcome.CurrencyMismatch(
              "the account of customer "
                  + request.customerId()
                  + " is not in "
                  + request.amount().currency());
    };
  }

  public void configure(FaultProfile newProfile) {
    profile = Objects.requireNonNull(newProfile, "profile");
  }

  public FaultProfile profile() {
    return profile;
  }

  /** While on, every request is {@link ChargeOutcome.Unavailable} and nothing is processed. */
  public void outage(boolean enabled) {
    outage = enabled;
  }

  /** Every request received, including failed and replayed ones. */
  public long requests() {
    return requests.get();
  }

  /** Every stored result in the order it was processed. */
  public List<LedgerEntry> ledger() {
    return List.copyOf(ledger);
  }

  public List<LedgerEntry> results(long invoiceId) {
    return ledger.stream().filter(e -> e.request().invoiceId() == invoiceId).toList();
  }

  public long successfulCharges(long invoiceId) {
    return ledger.stream().filter(e -> e.charged() && e.request().invoiceId() == invoiceId).count();
  }

  /** Money successfully charged, per currency. */
  public Map<Currency, Money> chargedTotals() {
    var totals = new TreeMap<Currency, Money>();
    for (var e : ledger) {
      if (e.charged()) {
        var amount = e.request().amount();
        totals.merge(
            amount.currency(),
            amount,
            (a, b) -> Money.ofMinor(Math.addExact(a.minorUnits(), b.minorUnits()), a.currency()));
      }
    }
    return totals;
  }
}
