package dev.charon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.testing.CharonProcess;
import dev.charon.testing.Http;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Starts the real jar's demo role through ./charon, as a user would, on embedded PostgreSQL. */
class DemoIT {
  @Test
  void demo_starts_on_embedded_postgres_and_answers_health_and_invoices() {
    int port = CharonProcess.freePort();
    var dataDir = CharonProcess.sharedTempDir("charon-demo-it").resolve("db");
    long started = System.nanoTime();
    try (var demo =
        CharonProcess.viaLauncher(Map.of("CHARON_DATA_DIR", dataDir.toString()), "demo", "--port", String.valueOf(port), "--exit-after", "120")) {
      var http = new Http("http://127.0.0.1:" + port);
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(250))
          .ignoreExceptions()
          .failFast("demo exited; see " + demo.logFile(), () -> !demo.isAlive())
          .until(() -> http.get("/rest/health").status() == 200);
      System.out.printf("demo answered /rest/health after %.1f s%n", (System.nanoTime() - started) / 1e9);

      var key = Pattern.compile("API key +(chk_[A-Za-z0-9_-]+)").matcher(demo.output());
      assertThat(key.find()).as("the demo prints an operator key: " + demo.output()).isTrue();
      assertThat(http.get("/rest/v1/invoices/1").status()).as("no key, no invoices").isEqualTo(401);
      var operator = http.bearer(key.group(1));
      var invoice = operator.get("/rest/v1/invoices/1");
      assertThat(invoice.status()).isEqualTo(200);
      assertThat(invoice.json().get("amount").get("currency").asText()).isNotBlank();
      assertThat(operator.get("/rest/v1/invoices").json()).hasSize(1000);
      assertThat(demo.output()).contains("data directory: " + dataDir).contains("/rest/v1/invoices");
      // The console link signs the same operator in; the page itself comes from the jar.
      assertThat(demo.output()).contains("console  http://localhost:" + port + "/#key=" + key.group(1));
      var console = http.get("/");
      assertThat(console.status()).isEqualTo(200);
      assertThat(console.body()).contains("/console/app.js");
      assertThat(http.get("/docs").body()).contains("swagger-ui");
    }
  }

  @Test
  void demo_exits_by_itself_after_exit_after_seconds() {
    int port = CharonProcess.freePort();
    var dataDir = CharonProcess.sharedTempDir("charon-demo-it").resolve("db");
    try (var demo =
        CharonProcess.viaLauncher(Map.of("CHARON_DATA_DIR", dataDir.toString()), "demo", "--port", String.valueOf(port), "--exit-after", "3")) {
      assertThat(demo.waitFor(90)).as(demo.output()).isZero();
      assertThat(demo.output()).contains("--exit-after 3 s reached");
    }
  }
}
