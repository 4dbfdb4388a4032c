package dev.charon.charging;

import dev.charon.charging.domain.Backoff;
import dev.charon.charging.domain.ChargePolicy;
import dev.charon.charging.domain.CircuitBreaker;
import dev.charon.charging.domain.Dunning;
import dev.charon.config.Env;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * How charges are retried and how hard a worker pushes the provider. {@code dunning} is the
 * schedule's strategy ({@code charon simulate} compares others); {@code claimPoll} is how often an
 * idle table intake looks for due work again (the simulator, whose test clock waits for every due
 * charge, polls much faster).
 */
public record ChargingSettings(
    List<Duration> dunningSchedule,
    Dunning dunning,
    Duration retryBase,
    Duration retryMax,
    Duration reconcileBase,
    Duration reconcileMax,
    int breakerThreshold,
    Duration breakerCooldown,
    int concurrency,
    int pipelines,
    Duration claimLinger,
    Duration lease,
    Duration drainDeadline,
    Duration claimPoll) {
  public static final Duration CLAIM_POLL = Duration.ofMillis(100);

  public ChargingSettings {
    if (claimLinger.isNegative() || claimLinger.compareTo(Duration.ofSeconds(1)) > 0) {
      throw new dev.charon.config.ConfigException(
          "CHARON_CLAIM_LINGER=" + claimLinger.toMillis() + "ms is out of range: expected 0ms..1s");
    }
  }

  public static ChargingSettings from(Env env) {
    var schedule = env.durations("CHARON_DUNNING_SCHEDULE", ChargePolicy.DEFAULT_DUNNING);
    return new ChargingSettings(
        schedule,
        Dunning.fixed(schedule),
        env.duration("CHARON_RETRY_BASE", Duration.ofSeconds(5)),
        env.duration("CHARON_RETRY_MAX", Duration.ofMinutes(10)),
        env.duration("CHARON_RECONCILE_BASE", Duration.ofSeconds(2)),
        env.duration("CHARON_RECONCILE_MAX", Duration.ofMinutes(5)),
        env.integer("CHARON_BREAKER_THRESHOLD", 20, 1, 100_000),
        env.duration("CHARON_BREAKER_COOLDOWN", Duration.ofSeconds(10)),
        env.integer("CHARON_WORKER_CONCURRENCY", 64, 1, 10_000),
        env.integer("CHARON_WORKER_PIPELINES", 1, 1, 16),
        env.duration("CHARON_CLAIM_LINGER", Duration.ofMillis(20)),
        env.duration("CHARON_LEASE", Duration.ofSeconds(60)),
        env.duration("CHARON_DRAIN_DEADLINE", Duration.ofSeconds(30)),
        CLAIM_POLL);
  }

  public ChargePolicy policy() {
    return new ChargePolicy(
            dunningSchedule,
            new Backoff(retryBase, retryMax),
            new Backoff(reconcileBase, reconcileMax))
        .withDunning(dunning);
  }

  public CircuitBreaker breaker(Clock clock) {
    return new CircuitBreaker(breakerThreshold, breakerCooldown, clock);
  }

  public ChargingSettings withConcurrency(int n) {
    return new ChargingSettings(
        dunningSchedule,
        dunning,
        retryBase,
        retryMax,
        reconcileBase,
        reconcileMax,
        breakerThreshold,
        breakerCooldown,
        n,
        pipelines,
        claimLinger,
        lease,
        drainDeadline,
        claimPoll);
  }
}
