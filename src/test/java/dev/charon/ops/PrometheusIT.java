package dev.charon.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.charon.auth.ApiKeys;
import dev.charon.auth.Role;
import dev.charon.seed.Seeder;
import dev.charon.testing.CharonProcess;
import dev.charon.testing.GatewayProcess;
import dev.charon.testing.Http;
import dev.charon.testing.TestDatabase;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus (Debian's package, as {@link PrometheusRulesTest} finds promtool) scraping a
 * live server and worker with the repository's rules (a test copy with every {@code for:} cut to a
 * few seconds, scraped and evaluated every second): every metric a rule names exists on a target,
 * and two alerts really fire, read from Prometheus's own {@code /api/v1/alerts}: a difference
 * planted in the provider's ledger raises the audit alert, the gateway killed the provider alert.
 */
@Tag("slow")
class PrometheusIT {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void every_metric_a_rule_names_is_exported_and_the_audit_and_provider_alerts_fire()
      throws Exception {
    assertThat(PROMETHEUS)
        .as("prometheus is installed (scripts/prerequisites.sh: apt-get install prometheus)")
        .isExecutable();
    new Seeder(db.jdbi(), Clock.systemUTC()).seed(3_000, 1, 0.5);
    var processes = new ArrayList<AutoCloseable>();
    try (var gateway = GatewayProcess.start()) {
      var env = new HashMap<>(db.processEnv());
      env.put("CHARON_GATEWAY_URL", gateway.url());
      env.put("CHARON_AUDIT_INTERVAL", "10s");
      env.put("CHARON_PROVIDER_RATE_LIMIT", "25");
      env.put("CHARON_BREAKER_COOLDOWN", "60s");
      env.put("CHARON_GATEWAY_TIMEOUT", "2s");
      // The rabbitmq transport (its relay's outbox lag, its poison counter) and a webhook endpoint
      // that refuses (its delivery counter, its oldest undelivered event): every rule's metric.
      env.put("CHARON_QUEUE", "rabbitmq");
      var queue = "charon.prometheus-it." + System.nanoTime();
      env.put("CHARON_AMQP_EXCHANGE", queue);
      env.put("CHARON_AMQP_QUEUE", queue);
      var amqp = System.getenv("CHARON_TEST_AMQP_URL");
      if (amqp != null && !amqp.isBlank()) {
        env.put("CHARON_AMQP_URL", amqp);
      }
      env.put("CHARON_WEBHOOKS_ALLOW_PRIVATE", "true");
      var webhookKey = new byte[32];
      new java.security.SecureRandom().nextBytes(webhookKey);
      env.put("CHARON_WEBHOOKS_KEY", java.util.Base64.getEncoder().encodeToString(webhookKey));
      int serverPort = CharonProcess.freePort();
      int workerPort = CharonProcess.freePort();
      var server = CharonProcess.start(env, "server", "--port", String.valueOf(serverPort));
      processes.add(server);
      var workerEnv = new HashMap<>(env);
      workerEnv.put("CHARON_METRICS_PORT", String.valueOf(workerPort));
      var worker = CharonProcess.start(workerEnv, "worker", "--concurrency", "8");
      processes.add(worker);
      var api = new Http("http://127.0.0.1:" + serverPort);
      await()
          .atMost(Duration.ofMinutes(4))
          .ignoreExceptions()
          .failFast("server exited; see " + server.logFile(), () -> !server.isAlive())
          .until(() -> api.get("/health/ready").status() == 200);
      var workerOps = new Http("http://127.0.0.1:" + workerPort);
      await()
          .atMost(Duration.ofMinutes(4))
          .ignoreExceptions()
          .failFast("worker exited; see " + worker.logFile(), () -> !worker.isAlive())
          .until(() -> workerOps.get("/health/ready").status() == 200);

      int promPort = CharonProcess.freePort();
      var prometheus = startPrometheus(promPort, serverPort, workerPort);
      processes.add(prometheus::destroyForcibly);
      var prom = new Http("http://127.0.0.1:" + promPort);
      await()
          .atMost(Duration.ofMinutes(1))
          .ignoreExceptions()
          .until(() -> prom.get("/-/ready").status() == 200);

      var key =
          new ApiKeys(db.jdbi(), Clock.systemUTC())
              .create(Role.OPERATOR, "prometheus-it-" + System.nanoTime())
              .secret();
      var started =
          api.bearer(key)
              .post(
                  "/rest/v1/billing-runs",
                  "{\"period\":\"" + YearMonth.now(Clock.systemUTC()) + "\"}");
      assertThat(started.status()).as(started.body()).isIn(200, 201);
      var endpoint =
          api.bearer(key).post("/rest/v1/webhook-endpoints", "{\"url\":\"http://127.0.0.1:9/in\"}");
      assertThat(endpoint.status()).as(endpoint.body()).isEqualTo(201);

      // Every metric a rule names, on one target or the other.
      var named = metricsNamedByTheRules();
      var missing = new TreeSet<String>();
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofSeconds(2))
          .untilAsserted(
              () -> {
                missing.clear();
                for (var name : named) {
                  var series = query(prom, "/api/v1/series?match[]=" + encode(name)).path("data");
                  if (series.isEmpty()) {
                    missing.add(name);
                  }
                }
                assertThat(missing).as("metrics the rules name that no target exports").isEmpty();
              });

      // A second charge at the provider for a paid invoice: the standing audit's alert.
      await()
          .atMost(Duration.ofMinutes(2))
          .until(() -> count("select count(*) from invoice where status = 'PAID'") > 10);
      chargeAgain(gateway, paidInvoice());
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> firing(prom).contains("CharonAuditDifferences"));

      // The provider gone while the run charges: the worker's breaker opens, the alert fires.
      gateway.process().kill();
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> firing(prom).contains("CharonProviderBreakerOpen"));
    } finally {
      for (var p : processes.reversed()) {
        p.close();
      }
    }
  }

  /** Metric names in the rules' expressions (recording rules' outputs have colons: not these). */
  static List<String> metricsNamedByTheRules() throws Exception {
    var rules = Files.readString(PrometheusRulesTest.RULES);
    var names = new TreeSet<String>();
    var expr = Pattern.compile("(?ms)expr: (\\|\\n(?:\\s{10,}.*?\\n)+|.*?\\n)").matcher(rules);
    var metric = Pattern.compile("\\b(charon_[a-z0-9_]+|up)\\b(?![:(])");
    while (expr.find()) {
      var m =
          metric.matcher(expr.group(1).replaceAll("\\{[^}]*}", "").replaceAll("\"[^\"]*\"", ""));
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    assertThat(names).contains("charon_provider_rate_granted_total", "charon_audit_differences");
    return List.copyOf(names);
  }

  private Process startPrometheus(int port, int serverPort, int workerPort) throws Exception {
    // The repository's rules with every pending period cut to 3 s: the expressions stay as written.
    var rules =
        Files.readString(PrometheusRulesTest.RULES).replaceAll("(?m)^(\\s+for: ).*$", "$13s");
    var rulesFile = dir.resolve("rules.yml");
    Files.writeString(rulesFile, rules);
    var config = dir.resolve("prometheus.yml");
    Files.writeString(
        config,
        """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        rule_files: [%s]
        scrape_configs:
          - job_name: charon-server
            static_configs: [{targets: ['127.0.0.1:%d']}]
          - job_name: charon-worker
            static_configs: [{targets: ['127.0.0.1:%d']}]
        """
            .formatted(rulesFile, serverPort, workerPort));
    return new ProcessBuilder(
            PROMETHEUS.toString(),
            "--config.file=" + config,
            "--storage.tsdb.path=" + dir.resolve("data"),
            "--web.listen-address=127.0.0.1:" + port)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("prometheus.log").toFile())
        .start();
  }

  private static JsonNode query(Http prom, String path) throws Exception {
    var response = prom.get(path);
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static List<String> firing(Http prom) throws Exception {
    var names = new ArrayList<String>();
    for (var alert : query(prom, "/api/v1/alerts").path("data").path("alerts")) {
      if ("firing".equals(alert.path("state").asText())) {
        names.add(alert.path("labels").path("alertname").asText());
      }
    }
    return names;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static long count(String sql) {
    return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
  }

  private static long paidInvoice() {
    return count("select min(id) from invoice where status = 'PAID'");
  }

  private static void chargeAgain(GatewayProcess gateway, long invoiceId) {
    var invoice =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "select customer_id, amount_minor, currency from invoice where id = :id")
                        .bind("id", invoiceId)
                        .mapToMap()
                        .one());
    var body =
        "{\"invoiceId\":%d,\"customerId\":%d,\"amountMinor\":%d,\"currency\":\"%s\"}"
            .formatted(
                invoiceId,
                invoice.get("customer_id"),
                invoice.get("amount_minor"),
                invoice.get("currency"));
    var response =
        new Http(gateway.url())
            .withHeader("Idempotency-Key", "planted-double-" + invoiceId)
            .post("/charges", body);
    assertThat(response.status())
        .as("the planted second charge: " + response.body())
        .isEqualTo(201);
  }
}
