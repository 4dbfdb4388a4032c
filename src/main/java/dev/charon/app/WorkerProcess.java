package dev.charon.app;

import dev.charon.api.HttpApi;
import dev.charon.api.Json;
import dev.charon.auth.AuthSettings;
import dev.charon.charging.ChargeWorker;
import dev.charon.charging.ChargingSettings;
import dev.charon.clock.ClockMode;
import dev.charon.clock.TestClockSettings;
import dev.charon.config.DatabaseSettings;
import dev.charon.config.Env;
import dev.charon.db.Database;
import dev.charon.ops.OpsRoutes;
import dev.charon.payment.PaymentProviders;
import dev.charon.payment.PaymentSettings;
import dev.charon.queue.QueueSettings;
import dev.charon.ratelimit.RateLimitSettings;
import dev.charon.ratelimit.RateLimitedProvider;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The {@code worker} role as a process: checks the schema, charges through {@link WorkerRole} (the
 * charge worker {@code demo} and {@code bill} run in-process too), and serves {@code /metrics} and
 * {@code /health/*}. Closing drains first: charges in flight finish, the rest is handed back.
 */
public final class WorkerProcess implements AutoCloseable {
  private final Started started;
  private final ChargeWorker worker;
  private final int opsPort;
  private final Duration drainDeadline;

  private WorkerProcess(Started started, ChargeWorker worker, int opsPort, Duration drainDeadline) {
    this.started = started;
    this.worker = worker;
    this.opsPort = opsPort;
    this.drainDeadline = drainDeadline;
  }

  /** Everything a worker reads from the environment, read before it starts anything. */
  public record Settings(
      DatabaseSettings database,
      TestClockSettings testClock,
      QueueSettings queue,
      ChargingSettings charging,
      PaymentSettings payment,
      OpsSettings ops,
      AuthSettings auth,
      RateLimitSettings rateLimit) {

    public static Settings from(Env env) {
      return new Settings(
          DatabaseSettings.from(env),
          TestClockSettings.from(env),
          QueueSettings.from(env),
          ChargingSettings.from(env),
          PaymentSettings.from(env),
          OpsSettings.from(env),
          AuthSettings.from(env),
          RateLimitSettings.from(env));
    }

    public Settings withConcurrency(int n) {
      return new Settings(
          database, testClock, queue, charging.withConcurrency(n), payment, ops, auth, rateLimit);
    }
  }

  /**
   * Starts the worker. It never migrates (a deploy's migration is not raced): it refuses to start
   * on a schema that lacks a migration its jar has.
   */
  public static WorkerProcess start(Settings settings, PrometheusMeterRegistry metrics) {
    var ops = settings.ops();
    // A second worker on this host: say which setting to change before taking any work.
    Ports.requireFree(ops.host(), ops.port(), "CHARON_METRICS_PORT");
    var started = new Started("worker");
    try {
      var db = started.add("database", Database.open(settings.database(), "worker"));
      db.requireMigrated();
      var clock = ClockMode.of(db.jdbi(), settings.testClock()).clock();
      var charging = settings.charging();
      // Charges and refunds alike take their permits from the rate limit shared by every worker.
      var provider =
          RateLimitedProvider.wrap(
              PaymentProviders.create(settings.payment(), clock, metrics, charging.concurrency()),
              settings.rateLimit(),
              db.jdbi(),
              metrics);
      var worker =
          started.add(
              "charge worker",
              Brokered.start(
                  settings.queue().amqp(),
                  () ->
                      WorkerRole.start(db, settings.queue(), charging, provider, clock, metrics)));
      var http =
          started.add(
              "ops endpoints",
              HttpApi.start(
                  ops.host(),
                  ops.port(),
                  Json.mapper(),
                  ApiRole.access(db.jdbi(), settings.auth(), clock, metrics),
                  List.of(
                      new OpsRoutes(
                          metrics, Map.<String, BooleanSupplier>of("database", db::isReachable)))));
      return new WorkerProcess(started, worker, http.port(), charging.drainDeadline());
    } catch (RuntimeException e) {
      started.close();
      throw e;
    }
  }

  public int opsPort() {
    return opsPort;
  }

  public Duration drainDeadline() {
    return drainDeadline;
  }

  /**
   * Stops taking work, waits up to the drain deadline for charges in flight, hands the rest back,
   * then stops everything. False when charges were still in flight (they will be redelivered).
   */
  public boolean stop() {
    boolean clean = worker.drain(drainDeadline);
    started.close();
    return clean;
  }

  @Override
  public void close() {
    stop();
  }
}
