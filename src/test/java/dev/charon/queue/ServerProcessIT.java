package dev.charon.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.testing.Billing;
import dev.charon.testing.CharonProcess;
import dev.charon.testing.GatewayProcess;
import dev.charon.testing.Http;
import dev.charon.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The server role as a process: scheduling across instances, ops endpoints, the RabbitMQ relay end
 * to end.
 */
class ServerProcessIT {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  private final Billing billing = new Billing(db.jdbi());

  @BeforeEach
  void clean() {
    db.clean();
  }

  private Map<String, String> env(String... pairs) {
    var env = db.processEnv(pairs); // a fresh, mutable map
    env.putIfAbsent("CHARON_RETRY_POLL", "1s");
    return env;
  }

  @Test
  void three_servers_started_together_create_one_run_and_serve_health_and_metrics() {
    new dev.charon.seed.Seeder(db.jdbi(), java.time.Clock.systemUTC()).seed(300, 1, 0.1);
    // A cron that fires every 2 s stands in for "the database clock says it is the 1st".
    var servers = new ArrayList<CharonProcess>();
    var ports = new ArrayList<Integer>();
    try {
      for (int i = 0; i < 3; i++) {
        int port = CharonProcess.freePort();
        ports.add(port);
        servers.add(
            CharonProcess.start(
                env("CHARON_BILLING_CRON", "*/2 * * * * *"),
                "server",
                "--port",
                String.valueOf(port)));
      }
      await()
          .atMost(Duration.ofSeconds(90))
          .ignoreExceptions()
          .until(
              () ->
                  ports.stream()
                      .allMatch(
                          p ->
                              new Http("http://127.0.0.1:" + p).get("/health/ready").status()
                                  == 200));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> billing.count("billing_run_id is not null") == 300);
      long runs =
          db.jdbi()
              .withHandle(
                  h -> h.createQuery("select count(*) from billing_run").mapTo(Long.class).one());
      assertThat(runs).isEqualTo(1);
      // On the default postgres transport the invoice row is its own charge request (issue 26).
      long offered =
          db.jdbi()
              .withHandle(
                  h ->
                      h.createQuery(
                              "select count(*) from invoice where charge_available_at is not null")
                          .mapTo(Long.class)
                          .one());
      assertThat(offered).as("each due invoice offered once").isEqualTo(300);
      long requests =
          db.jdbi()
              .withHandle(
                  h ->
                      h.createQuery("select count(*) from charge_request").mapTo(Long.class).one());
      assertThat(requests).as("no charge_request rows without the RabbitMQ intake").isZero();

      var http = new Http("http://127.0.0.1:" + ports.getFirst());
      var ready = http.get("/health/ready");
      assertThat(ready.json().get("checks").get("database").asText()).isEqualTo("UP");
      assertThat(ready.json().get("checks").get("scheduler").asText()).isEqualTo("UP");
      assertThat(http.get("/health/live").status()).isEqualTo(200);
      var metrics = http.get("/metrics");
      assertThat(metrics.status()).isEqualTo(200);
      assertThat(metrics.body()).contains("jvm_memory_used_bytes").contains("role=\"server\"");
    } finally {
      servers.forEach(CharonProcess::close);
    }
  }

  @Test
  void rabbitmq_transport_charges_a_run_end_to_end_with_a_worker_killed_half_way()
      throws Exception {
    billing.dueRun(2_000);
    try (var broker = new RabbitBroker();
        var gateway =
            GatewayProcess.start(
                "--latency-ms", "20", "--decline-rate", "0.05", "--timeout-rate", "0.01")) {
      var amqp = broker.uniqueSettings(Map.of());
      var env =
          env(
              "CHARON_QUEUE",
              "rabbitmq",
              "CHARON_AMQP_EXCHANGE",
              amqp.exchange(),
              "CHARON_AMQP_QUEUE",
              amqp.queue(),
              "CHARON_GATEWAY_URL",
              gateway.url(),
              "CHARON_GATEWAY_TIMEOUT",
              "2s",
              "CHARON_DB_POOL_SIZE",
              "8");
      try (var server =
              CharonProcess.start(
                  env, "server", "--port", String.valueOf(CharonProcess.freePort()));
          var survivor = CharonProcess.start(env, "worker", "--concurrency", "32")) {
        try (var victim = CharonProcess.start(env, "worker", "--concurrency", "32")) {
          await().atMost(Duration.ofMinutes(2)).until(() -> billing.settled() >= 600);
          victim.kill();
        }
        await()
            .atMost(Duration.ofMinutes(4))
            .pollInterval(Duration.ofMillis(500))
            .until(
                () ->
                    billing.inFlight() == 0
                        && billing.count(
                                "status = 'RETRY_SCHEDULED' and last_failure like 'provider unavailable%'")
                            == 0);
      }
      var report = billing.audit(gateway);
      assertThat(report.reconciles()).as(report.toString()).isTrue();
      // A declined invoice is retried on the dunning schedule, or, after a hard decline (the
      // gateway answers some declines with lost_card, expired_card...), waits for a new card.
      assertThat(
              billing.count("status = 'PAID'")
                  + billing.count("status = 'RETRY_SCHEDULED'")
                  + billing.count(
                      "status = 'ACTION_REQUIRED' and last_failure like 'needs a new payment method%'"))
          .isEqualTo(2_000);
      long published =
          db.jdbi()
              .withHandle(
                  h ->
                      h.createQuery("select count(*) from charge_request").mapTo(Long.class).one());
      assertThat(published).as("the outbox is empty once everything settled").isZero();
      assertThat(billing.count("charge_available_at is not null"))
          .as("no invoice still offered for charging once everything settled")
          .isZero();
    }
  }
}
