package dev.charon.cli;

import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import dev.charon.api.Json;
import dev.charon.app.ApiRole;
import dev.charon.app.Ports;
import dev.charon.app.ServerGauges;
import dev.charon.app.WorkerRole;
import dev.charon.audit.AuditSettings;
import dev.charon.audit.StandingAudit;
import dev.charon.billing.BillingRuns;
import dev.charon.billing.BillingScheduler;
import dev.charon.billing.BillingSettings;
import dev.charon.charging.ChargingSettings;
import dev.charon.clock.DatabaseClock;
import dev.charon.clock.TestClock;
import dev.charon.clock.TestClockSettings;
import dev.charon.config.DatabaseSettings;
import dev.charon.config.Env;
import dev.charon.db.Database;
import dev.charon.events.EventRelay;
import dev.charon.ops.Metrics;
import dev.charon.ops.OpsRoutes;
import dev.charon.payment.PaymentSettings;
import dev.charon.queue.OutboxRelay;
import dev.charon.queue.QueueSettings;
import dev.charon.webhooks.UrlGuard;
import dev.charon.webhooks.WebhookDispatcher;
import dev.charon.webhooks.WebhookSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "server",
    description =
        "REST API, billing scheduler, and (with CHARON_QUEUE=rabbitmq) the outbox and event relays.")
final class ServerCommand implements Callable<Integer> {
  @Option(names = "--port", description = "HTTP port (default: CHARON_HTTP_PORT or 7000).")
  Integer port;

  /** The test clock's instant while one is set, for a deployment on the database's clock. */
  static java.util.function.Supplier<Optional<java.time.Instant>> testClockReading(
      java.time.Clock clock) {
    if (clock instanceof DatabaseClock database) {
      return database::frozen;
    }
    return Optional::empty;
  }

  @Override
  public Integer call() throws InterruptedException {
    var env = Env.system();
    var apiSettings = ApiRole.Settings.from(env);
    if (port != null) {
      apiSettings = apiSettings.withPort(port);
    }
    var billing = BillingSettings.from(env);
    var testClock = TestClockSettings.from(env);
    var auditSettings = AuditSettings.from(env);
    var metrics = Metrics.registry("server");
    var queue = QueueSettings.from(env);
    var amqp = queue.amqp();
    Ports.requireFree(
        apiSettings.http().host(), apiSettings.http().port(), "--port or CHARON_HTTP_PORT");
    var db = Database.open(DatabaseSettings.from(env), "server");
    db.migrate();
    var clock = TestClock.clockFor(db.jdbi(), testClock);
    var runs = BillingRuns.of(db.jdbi(), clock, billing, metrics);
    var audit =
        StandingAudit.forProvider(
            db.jdbi(), PaymentSettings.from(env), clock, WorkerRole.workerName(), metrics);
    System.out.println(
        audit.isPresent()
            ? "standing audit every " + auditSettings.interval()
            : "standing audit off: no provider ledger (set CHARON_GATEWAY_URL or CHARON_PROVIDER=stripe)");
    var scheduler =
        new BillingScheduler(
                db.dataSource(),
                runs,
                billing,
                clock,
                testClockReading(clock),
                BillingScheduler.defaultName(),
                audit
                    .<List<RecurringTask<?>>>map(a -> List.of(a.task(auditSettings)))
                    .orElse(List.of()))
            .start();
    ServerGauges.register(db.jdbi(), ChargingSettings.from(env), metrics);
    // With RabbitMQ the server relays the charge-request outbox to the broker; with PostgreSQL
    // workers claim the outbox rows directly.
    var relay =
        amqp == null
            ? null
            : new OutboxRelay(db.jdbi(), amqp, "relay-" + WorkerRole.workerName(), metrics).start();
    // Events go to a topic exchange when a broker is configured; the feed serves them either way.
    var events =
        amqp == null
            ? null
            : new EventRelay(
                    db.jdbi(),
                    amqp,
                    env.string("CHARON_EVENTS_EXCHANGE", "charon.events"),
                    "events-" + WorkerRole.workerName(),
                    Json.mapper(),
                    metrics)
                .start();
    // Webhooks go out from every server (cluster-safe) once a key can open their secrets.
    var webhookSettings = apiSettings.webhooks();
    var webhooks =
        webhookSettings.key().isEmpty()
            ? null
            : new WebhookDispatcher(
                    db.jdbi(),
                    webhookSettings,
                    new UrlGuard(webhookSettings.allowPrivate()),
                    clock,
                    java.time.Clock
                        .systemUTC(), // the signature's timestamp: receivers' replay check
                    new java.util.Random(),
                    Json.mapper(),
                    "webhooks-" + WorkerRole.workerName(),
                    metrics)
                .start();
    if (webhooks == null) {
      System.out.println(
          "webhooks off: set " + WebhookSettings.KEY + " to register endpoints and deliver");
    }
    var readiness = new LinkedHashMap<String, BooleanSupplier>();
    readiness.put("database", db::isReachable);
    readiness.put("scheduler", scheduler::running);
    if (relay != null) {
      readiness.put("broker", relay::connected);
    }
    var api =
        ApiRole.start(db.jdbi(), apiSettings, clock, metrics, new OpsRoutes(metrics, readiness));
    System.out.println(
        "charon server listening on http://localhost:" + api.port() + "/rest/v1/invoices");
    var stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  api.close();
                  if (webhooks != null) {
                    webhooks.close();
                  }
                  if (relay != null) {
                    relay.close();
                    events.close();
                  }
                  scheduler.stop(); // waits for a running producer to reach a batch boundary
                  db.close();
                  stopped.countDown();
                },
                "charon-shutdown"));
    stopped.await();
    return 0;
  }
}
