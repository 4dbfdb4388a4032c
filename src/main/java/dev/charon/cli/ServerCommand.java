package dev.charon.cli;

import dev.charon.app.ApiRole;
import dev.charon.billing.BillingRuns;
import dev.charon.billing.BillingScheduler;
import dev.charon.billing.BillingSettings;
import dev.charon.config.DatabaseSettings;
import dev.charon.config.Env;
import dev.charon.config.HttpSettings;
import dev.charon.db.Database;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "server", description = "REST API (and, as they land, the billing scheduler and outbox relay).")
final class ServerCommand implements Callable<Integer> {
  @Option(names = "--port", description = "HTTP port (default: CHARON_HTTP_PORT or 7000).")
  Integer port;

  @Override
  public Integer call() throws InterruptedException {
    var env = Env.system();
    var http = HttpSettings.from(env);
    if (port != null) {
      http = http.withPort(port);
    }
    var billing = BillingSettings.from(env);
    var clock = Clock.systemUTC();
    var metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    var db = Database.open(DatabaseSettings.from(env), "server");
    db.migrate();
    var runs = BillingRuns.of(db.jdbi(), clock, billing, metrics);
    var scheduler = new BillingScheduler(db.dataSource(), runs, billing, clock, BillingScheduler.defaultName()).start();
    var api = ApiRole.start(db, http);
    System.out.println("charon server listening on http://localhost:" + api.port() + "/rest/v1/invoices");
    var stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  api.close();
                  scheduler.stop(); // waits for a running producer to reach a batch boundary
                  db.close();
                  stopped.countDown();
                },
                "charon-shutdown"));
    stopped.await();
    return 0;
  }
}
