package dev.charon.cli;

import dev.charon.api.HttpApi;
import dev.charon.api.Json;
import dev.charon.app.ApiRole;
import dev.charon.app.OpsSettings;
import dev.charon.app.Ports;
import dev.charon.app.WorkerRole;
import dev.charon.auth.AuthSettings;
import dev.charon.charging.ChargingSettings;
import dev.charon.clock.ClockMode;
import dev.charon.clock.TestClockSettings;
import dev.charon.config.DatabaseSettings;
import dev.charon.config.Env;
import dev.charon.db.Database;
import dev.charon.ops.Metrics;
import dev.charon.ops.OpsRoutes;
import dev.charon.payment.PaymentProviders;
import dev.charon.payment.PaymentSettings;
import dev.charon.queue.QueueSettings;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "worker",
    description = "Charge consumer: takes charge requests, calls the provider, records outcomes.")
final class WorkerCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(WorkerCommand.class);

  @Option(
      names = "--concurrency",
      description = "Charges in flight at once (default: CHARON_WORKER_CONCURRENCY or 64).")
  Integer concurrency;

  @Override
  public Integer call() throws InterruptedException {
    var env = Env.system();
    var charging = ChargingSettings.from(env);
    if (concurrency != null) {
      if (concurrency < 1) {
        System.err.println("charon worker: --concurrency must be >= 1");
        return 2;
      }
      charging = charging.withConcurrency(concurrency);
    }
    var queue = QueueSettings.from(env);
    var testClock = TestClockSettings.from(env);
    var paymentSettings = PaymentSettings.from(env);
    var metrics = Metrics.registry("worker");
    var opsSettings = OpsSettings.from(env);
    // A second worker on this host: say which setting to change before taking any work.
    Ports.requireFree(opsSettings.host(), opsSettings.port(), "CHARON_METRICS_PORT");
    var db = Database.open(DatabaseSettings.from(env), "worker");
    db.requireMigrated();
    var clock = ClockMode.of(db.jdbi(), testClock).clock();
    var provider = PaymentProviders.create(paymentSettings, clock, metrics, charging.concurrency());
    var worker = WorkerRole.start(db, queue, charging, provider, clock, metrics);
    var ops =
        HttpApi.start(
            opsSettings.host(),
            opsSettings.port(),
            Json.mapper(),
            ApiRole.access(db.jdbi(), AuthSettings.from(env), clock, metrics),
            List.of(
                new OpsRoutes(
                    metrics, Map.<String, BooleanSupplier>of("database", db::isReachable))));
    System.out.printf(
        "charon worker %s: %s transport, concurrency %d, metrics on :%d/metrics%n",
        WorkerRole.workerName(),
        queue.transport().name().toLowerCase(java.util.Locale.ROOT),
        charging.concurrency(),
        ops.port());
    var deadline = charging.drainDeadline();
    var stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  // A deploy: stop taking, finish in-flight charges, hand back the rest, exit 0.
                  log.info("SIGTERM: draining (deadline {} s)", deadline.toSeconds());
                  boolean clean = worker.drain(deadline);
                  worker.close();
                  ops.close();
                  db.close();
                  stopped.countDown();
                  log.info(
                      "worker stopped {}",
                      clean
                          ? "cleanly"
                          : "with charges still in flight (they will be redelivered)");
                  Runtime.getRuntime().halt(0);
                },
                "charon-drain"));
    stopped.await();
    return 0;
  }
}
