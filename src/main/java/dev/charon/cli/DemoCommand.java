package dev.charon.cli;

import dev.charon.app.ApiRole;
import dev.charon.app.Ports;
import dev.charon.app.WorkerRole;
import dev.charon.auth.ApiKeys;
import dev.charon.auth.Role;
import dev.charon.billing.BillingRuns;
import dev.charon.billing.BillingScheduler;
import dev.charon.billing.BillingSettings;
import dev.charon.charging.ChargingSettings;
import dev.charon.config.DatabaseSettings;
import dev.charon.config.Env;
import dev.charon.db.Database;
import dev.charon.db.EmbeddedDatabase;
import dev.charon.payment.PaymentProviders;
import dev.charon.payment.PaymentSettings;
import dev.charon.queue.QueueSettings;
import dev.charon.seed.Seeder;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "demo",
    description = "Everything in one process on an embedded PostgreSQL, seeded, API on :7000.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--port", description = "HTTP port (default: CHARON_HTTP_PORT or 7000).")
  Integer port;

  @Option(
      names = "--exit-after",
      paramLabel = "SECONDS",
      description = "Stop after this many seconds (for scripts).")
  Integer exitAfter;

  @Option(
      names = "--webhook-receiver",
      description =
          "Also run a local webhook receiver, registered for invoice events, that verifies and prints each delivery.")
  boolean webhookReceiver;

  @Override
  public Integer call() throws InterruptedException {
    long started = System.nanoTime();
    var env = Env.system();
    var apiSettings = ApiRole.Settings.from(env);
    if (port != null) {
      apiSettings = apiSettings.withPort(port);
    }
    var settings = DatabaseSettings.from(env);
    var billing = BillingSettings.from(env);
    var charging = ChargingSettings.from(env);
    // Real time: the demo runs on a database of its own and never has a test clock (it does not
    // read CHARON_TEST_CLOCK); months in seconds are 'charon simulate' or a test-clock server.
    var clock = Clock.systemUTC();
    // A second demo: the data directory it would share, then the port, each in one line.
    if (settings.embedded()) {
      EmbeddedDatabase.requireUnused(settings.embeddedDataDir());
    }
    Ports.requireFree(
        apiSettings.http().host(), apiSettings.http().port(), "--port or CHARON_HTTP_PORT");
    var db = Database.open(settings, "demo");
    var stopped = new CountDownLatch(1);
    Runnable shutdown = () -> {};
    try {
      db.embedded()
          .ifPresent(e -> System.out.println("embedded PostgreSQL data directory: " + e.dataDir()));
      db.migrate();
      seedIfEmpty(db);
      var metrics = dev.charon.ops.Metrics.registry("demo");
      var runs = BillingRuns.of(db.jdbi(), clock, billing, metrics);
      var scheduler =
          new BillingScheduler(
                  db.dataSource(), runs, billing, clock, BillingScheduler.defaultName())
              .start();
      var provider =
          PaymentProviders.create(
              PaymentSettings.from(env), clock, metrics, charging.concurrency());
      var worker =
          WorkerRole.start(db, QueueSettings.from(env), charging, provider, clock, metrics);
      var webhookSettings =
          DemoWebhooks.settings(
              apiSettings.webhooks(),
              db.embedded().map(e -> e.dataDir()),
              env.optional(dev.charon.webhooks.WebhookSettings.ALLOW_PRIVATE).isPresent());
      apiSettings = apiSettings.withWebhooks(webhookSettings);
      var webhooks =
          new dev.charon.webhooks.WebhookDispatcher(
                  db.jdbi(),
                  webhookSettings,
                  new dev.charon.webhooks.UrlGuard(webhookSettings.allowPrivate()),
                  clock,
                  new java.util.Random(),
                  dev.charon.api.Json.mapper(),
                  "webhooks-" + WorkerRole.workerName(),
                  metrics)
              .start();
      var receiver =
          webhookReceiver
              ? DemoWebhooks.startReceiver(db.jdbi(), webhookSettings.box().orElseThrow(), clock)
              : null;
      var operatorKey =
          new ApiKeys(db.jdbi(), clock).create(Role.OPERATOR, "demo-operator-" + clock.millis());
      var api =
          ApiRole.start(
              db.jdbi(),
              apiSettings,
              clock,
              metrics,
              new dev.charon.ops.OpsRoutes(
                  metrics,
                  java.util.Map.<String, java.util.function.BooleanSupplier>of(
                      "database", db::isReachable)));
      shutdown =
          () -> {
            api.close();
            webhooks.close();
            if (receiver != null) {
              receiver.close();
            }
            scheduler.stop();
            worker.close();
            db.close();
            stopped.countDown();
          };
      System.out.printf(
          "charon demo ready in %.1f s%n"
              + "  console  http://localhost:%d/#key=%s   (signs the demo operator in)%n"
              + "  API key  %s   (operator; shown once, stored only as a hash)%n"
              + "  API      http://localhost:%d/rest/v1/invoices   (docs: http://localhost:%d/docs)%n"
              + "  invoice  curl -H 'Authorization: Bearer %s' http://localhost:%d/rest/v1/invoices/1%n"
              + "  history  curl -H 'Authorization: Bearer %s' http://localhost:%d/rest/v1/invoices/1/history%n",
          (System.nanoTime() - started) / 1e9,
          api.port(),
          operatorKey.secret(),
          operatorKey.secret(),
          api.port(),
          api.port(),
          operatorKey.secret(),
          api.port(),
          operatorKey.secret(),
          api.port());
      billCurrentPeriod(runs, clock);
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
    var stop = shutdown;
    Runtime.getRuntime().addShutdownHook(new Thread(stop, "charon-shutdown"));
    if (exitAfter != null) {
      if (!stopped.await(exitAfter, TimeUnit.SECONDS)) {
        System.out.println("charon demo: --exit-after " + exitAfter + " s reached, stopping");
      }
      return 0; // System.exit runs the shutdown hook, which stops the API and the database.
    }
    stopped.await();
    return 0;
  }

  /** Bills this month at once, printing progress lines (not a redrawn bar: logs share stdout). */
  private static void billCurrentPeriod(BillingRuns runs, Clock clock) {
    var out = new PrintWriter(System.out, true);
    Thread.ofPlatform()
        .daemon(true)
        .name("demo-billing")
        .start(
            () -> {
              try {
                BillCommand.startAndFollow(
                    runs,
                    runs.currentPeriod(),
                    "demo",
                    "charging in-process",
                    new BillProgress(out, false),
                    out,
                    null,
                    Duration.ofSeconds(1),
                    clock);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (
                  RuntimeException e) { // shutting down under it; the next start resumes the run
                out.println("demo billing run stopped: " + e.getMessage());
              }
            });
  }

  private static void seedIfEmpty(Database db) {
    boolean empty =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery("select not exists (select 1 from customer)")
                        .mapTo(Boolean.class)
                        .one());
    if (empty) {
      var result = new Seeder(db.jdbi(), Clock.systemUTC()).seed(100, 10, 0.42);
      System.out.printf(
          "seeded %d customers and %d invoices (%d due)%n",
          result.customers(), result.invoices(), result.pending());
    }
  }
}
