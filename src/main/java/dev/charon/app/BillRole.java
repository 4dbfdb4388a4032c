package dev.charon.app;

import dev.charon.billing.BillingRuns;
import dev.charon.billing.BillingSettings;
import dev.charon.charging.ChargingSettings;
import dev.charon.clock.ClockMode;
import dev.charon.clock.TestClockSettings;
import dev.charon.config.DatabaseSettings;
import dev.charon.config.Env;
import dev.charon.db.Database;
import dev.charon.payment.PaymentProviders;
import dev.charon.payment.PaymentSettings;
import dev.charon.queue.QueueSettings;
import dev.charon.ratelimit.RateLimitSettings;
import dev.charon.ratelimit.RateLimitedProvider;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Optional;

/**
 * The {@code bill} role: a migrated database, its billing runs, and (when it charges in-process) a
 * charge worker from {@link WorkerRole}. Following the run is {@link RunFollow}'s; closing drains
 * the worker (charges in flight finish, the rest is handed back) and closes the database.
 */
public final class BillRole implements AutoCloseable {
  private final Started started;
  private final BillingRuns runs;
  private final Clock clock;
  private final int slots;

  private BillRole(Started started, BillingRuns runs, Clock clock, int slots) {
    this.started = started;
    this.runs = runs;
    this.clock = clock;
    this.slots = slots;
  }

  public record Settings(
      DatabaseSettings database,
      TestClockSettings testClock,
      BillingSettings billing,
      ChargingSettings charging,
      QueueSettings queue,
      PaymentSettings payment,
      RateLimitSettings rateLimit) {

    public static Settings from(Env env) {
      return new Settings(
          DatabaseSettings.from(env),
          TestClockSettings.from(env),
          BillingSettings.from(env),
          ChargingSettings.from(env),
          QueueSettings.from(env),
          PaymentSettings.from(env),
          RateLimitSettings.from(env));
    }
  }

  /**
   * {@code fixed}: a clock to run on instead of the deployment's (tests); {@code workers}: charges
   * this process makes at once, by default the worker concurrency on an embedded database (nobody
   * else would charge) and none otherwise ({@code charon worker} processes do).
   */
  public static BillRole start(
      Settings settings, Optional<Clock> fixed, Optional<Integer> workers, MeterRegistry metrics) {
    var started = new Started("bill");
    try {
      var db = started.add("database", Database.open(settings.database(), "bill"));
      db.migrate();
      var clock = fixed.orElseGet(() -> ClockMode.of(db.jdbi(), settings.testClock()).clock());
      var runs =
          BillingRuns.of(
              db.jdbi(),
              clock,
              settings.billing(),
              metrics,
              settings.queue().transport() == QueueSettings.Transport.RABBITMQ);
      int slots = workers.orElse(db.embedded().isPresent() ? settings.charging().concurrency() : 0);
      if (slots > 0) {
        // In-process charges keep to the rate limit shared with every worker, as a worker's do.
        var provider =
            RateLimitedProvider.wrap(
                PaymentProviders.create(settings.payment(), clock, metrics, slots),
                settings.rateLimit(),
                db.jdbi(),
                metrics);
        var charging = settings.charging().withConcurrency(slots);
        started.add(
            "charge worker",
            Brokered.start(
                settings.queue().amqp(),
                () -> WorkerRole.start(db, settings.queue(), charging, provider, clock, metrics)));
      }
      return new BillRole(started, runs, clock, slots);
    } catch (RuntimeException e) {
      started.close();
      throw e;
    }
  }

  public BillingRuns runs() {
    return runs;
  }

  public Clock clock() {
    return clock;
  }

  /** Charges this process makes at once; 0 when {@code charon worker} processes charge. */
  public int slots() {
    return slots;
  }

  @Override
  public void close() {
    started.close();
  }
}
