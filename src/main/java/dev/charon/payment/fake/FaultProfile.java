package dev.charon.payment.fake;

import dev.charon.payment.domain.DeclineCode;
import dev.charon.payment.domain.DeclineDetail;
import java.time.Duration;
import java.util.Set;

/**
 * How a fake provider (the in-process simulator or {@code charon gateway}) misbehaves. Every
 * decision is a pure function of the seed, the idempotency key and, for network errors, how many
 * times that key already failed: a run's outcomes do not depend on the order or concurrency of its
 * requests, and a new key (a later dunning attempt) gets a fresh roll.
 *
 * <p>Latency is uniform in {@code [latencyMs - latencyJitterMs, latencyMs + latencyJitterMs]},
 * never below zero.
 */
public record FaultProfile(
    long latencyMs,
    long latencyJitterMs,
    double declineRate,
    double networkErrorRate,
    double timeoutRate,
    Set<Long> customersNotFound,
    Set<Long> currencyMismatch,
    long seed,
    DeclineMix declineMix,
    Population population) {

  /** What the provider decides for a request it processes. */
  public enum Verdict {
    CHARGED,
    DECLINED,
    CUSTOMER_NOT_FOUND,
    CURRENCY_MISMATCH
  }

  // Each decision hashes its own salt so that, say, declines and timeouts are independent.
  private static final int NETWORK = 1,
      DECLINE = 2,
      TIMEOUT = 3,
      LATENCY = 4,
      CHARGE_ID = 5,
      DECLINE_CODE = 6;

  public FaultProfile {
    nonNegative("latencyMs", latencyMs);
    nonNegative("latencyJitterMs", latencyJitterMs);
    rate("declineRate", declineRate);
    rate("networkErrorRate", networkErrorRate);
    rate("timeoutRate", timeoutRate);
    customersNotFound = Set.copyOf(customersNotFound);
    currencyMismatch = Set.copyOf(currencyMismatch);
    java.util.Objects.requireNonNull(declineMix, "declineMix");
  }

  /**
   * A processed request's verdict and, for a decline, its code and what the network said (from the
   * population; {@link DeclineDetail#NONE} without one).
   */
  public record Decided(Verdict verdict, DeclineCode code, DeclineDetail detail) {
    public Decided {
      detail = detail == null ? DeclineDetail.NONE : detail;
    }

    public Decided(Verdict verdict, DeclineCode code) {
      this(verdict, code, DeclineDetail.NONE);
    }
  }

  /** The verdict for a request processed at {@code at}: the population decides when one is set. */
  public Decided decide(String key, long customerId, long invoiceId, java.time.Instant at) {
    var verdict = verdict(key, customerId);
    if (verdict == Verdict.CUSTOMER_NOT_FOUND || verdict == Verdict.CURRENCY_MISMATCH) {
      return new Decided(verdict, null);
    }
    if (population != null) {
      return population
          .decline(customerId, invoiceId, at)
          .map(
              c ->
                  new Decided(Verdict.DECLINED, c, population.detail(customerId, invoiceId, at, c)))
          .orElse(new Decided(Verdict.CHARGED, null));
    }
    return verdict == Verdict.DECLINED
        ? new Decided(verdict, declineCode(key))
        : new Decided(verdict, null);
  }

  /**
   * The code a decline of this key answers with: its own roll, independent of whether it declined.
   */
  public DeclineCode declineCode(String key) {
    return declineMix.pick(roll(key, DECLINE_CODE, 0));
  }

  /** A provider that answers at once and charges everyone. */
  public static FaultProfile none() {
    return builder().build();
  }

  /** Starts from {@link #none()}: fields not set keep its values. */
  public static Builder builder() {
    return new Builder();
  }

  /** Starts from this profile: fields not set keep their values here. */
  public Builder toBuilder() {
    return new Builder()
        .latency(latencyMs, latencyJitterMs)
        .declineRate(declineRate)
        .networkErrorRate(networkErrorRate)
        .timeoutRate(timeoutRate)
        .customersNotFound(customersNotFound)
        .currencyMismatch(currencyMismatch)
        .seed(seed)
        .declineMix(declineMix)
        .population(population);
  }

  /** The one way to make a profile; {@link #build()} validates, naming the bad field. */
  public static final class Builder {
    private long latencyMs;
    private long latencyJitterMs;
    private double declineRate;
    private double networkErrorRate;
    private double timeoutRate;
    private Set<Long> customersNotFound = Set.of();
    private Set<Long> currencyMismatch = Set.of();
    private long seed = 1;
    private DeclineMix declineMix = DeclineMix.standard();
    private Population population;

    private Builder() {}

    public Builder latency(long meanMs, long jitterMs) {
      this.latencyMs = meanMs;
      this.latencyJitterMs = jitterMs;
      return this;
    }

    public Builder latencyMs(long meanMs) {
      this.latencyMs = meanMs;
      return this;
    }

    public Builder latencyJitterMs(long jitterMs) {
      this.latencyJitterMs = jitterMs;
      return this;
    }

    public Builder declineRate(double rate) {
      this.declineRate = rate;
      return this;
    }

    public Builder networkErrorRate(double rate) {
      this.networkErrorRate = rate;
      return this;
    }

    public Builder timeoutRate(double rate) {
      this.timeoutRate = rate;
      return this;
    }

    public Builder customersNotFound(Set<Long> ids) {
      this.customersNotFound = ids;
      return this;
    }

    public Builder currencyMismatch(Set<Long> ids) {
      this.currencyMismatch = ids;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder declineMix(DeclineMix mix) {
      this.declineMix = mix;
      return this;
    }

    /** A customer population, whose answer replaces {@code declineRate} and {@code declineMix}. */
    public Builder population(Population population) {
      this.population = population;
      return this;
    }

    public FaultProfile build() {
      return new FaultProfile(
          latencyMs,
          latencyJitterMs,
          declineRate,
          networkErrorRate,
          timeoutRate,
          customersNotFound,
          currencyMismatch,
          seed,
          declineMix,
          population);
    }
  }

  /** Whether delivery number {@code priorFailures} of this key is lost before any processing. */
  public boolean networkError(String key, int priorFailures) {
    return roll(key, NETWORK, priorFailures) < networkErrorRate;
  }

  public Verdict verdict(String key, long customerId) {
    if (customersNotFound.contains(customerId)) {
      return Verdict.CUSTOMER_NOT_FOUND;
    }
    if (currencyMismatch.contains(customerId)) {
      return Verdict.CURRENCY_MISMATCH;
    }
    return roll(key, DECLINE, 0) < declineRate ? Verdict.DECLINED : Verdict.CHARGED;
  }

  /**
   * Whether the response to the first processing of this key is lost after the result is stored.
   */
  public boolean timeout(String key) {
    return roll(key, TIMEOUT, 0) < timeoutRate;
  }

  public Duration latency(String key, int delivery) {
    if (latencyMs == 0 && latencyJitterMs == 0) {
      return Duration.ZERO;
    }
    double offset = (2 * roll(key, LATENCY, delivery) - 1) * latencyJitterMs;
    return Duration.ofMillis(Math.max(0, Math.round(latencyMs + offset)));
  }

  private static final java.util.HexFormat HEX = java.util.HexFormat.of();

  /**
   * A stable charge id for the key: 96 bits, so ids of distinct keys do not collide in practice.
   */
  public String chargeId(String key) {
    long high = hash(key, CHARGE_ID, 0);
    long low = hash(key, CHARGE_ID, 1);
    // As "ch_%016x%08x" would print it, without parsing a format for every charge.
    return "ch_" + HEX.toHexDigits(high) + HEX.toHexDigits((int) (low >>> 32));
  }

  private double roll(String key, int salt, int n) {
    return (hash(key, salt, n) >>> 11) * 0x1.0p-53;
  }

  private long hash(String key, int salt, int n) {
    long h = 0xcbf29ce484222325L; // FNV-1a over the key's chars, then SplitMix64 rounds
    for (int i = 0; i < key.length(); i++) {
      h = (h ^ key.charAt(i)) * 0x100000001b3L;
    }
    h = mix(h ^ mix(seed));
    h = mix(h ^ ((long) salt << 32 | (n & 0xffffffffL)));
    return h;
  }

  private static long mix(long z) {
    z += 0x9e3779b97f4a7c15L;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  private static void nonNegative(String name, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must be >= 0, was " + value);
    }
  }

  private static void rate(String name, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw new IllegalArgumentException(name + " must be between 0 and 1, was " + value);
    }
  }
}
