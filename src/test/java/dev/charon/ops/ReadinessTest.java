package dev.charon.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.api.HttpApi;
import dev.charon.api.Json;
import dev.charon.app.ApiRole;
import dev.charon.auth.AuthSettings;
import dev.charon.config.DatabaseSettings;
import dev.charon.config.Env;
import dev.charon.db.Database;
import dev.charon.testing.Http;
import dev.charon.testing.TestDatabase;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * /health/ready over a real pool, with the database really going away and coming back. The
 * machine's PostgreSQL is shared, so only this class's database is closed: new connections to it
 * are refused ({@code allow_connections false}) and the pool's open ones are terminated.
 */
class ReadinessTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  private Database database;
  private HttpApi api;
  private Http http;

  @BeforeEach
  void start() {
    var env = new HashMap<>(db.processEnv());
    env.put("CHARON_DB_POOL_SIZE", "2");
    database = Database.open(DatabaseSettings.from(new Env(env)), "readiness-test");
    var checks =
        Map.<String, BooleanSupplier>of("database", database::isReachable, "scheduler", () -> true);
    var metrics = Metrics.registry("test");
    var access =
        ApiRole.access(db.jdbi(), AuthSettings.from(new Env(Map.of())), Clock.systemUTC(), metrics);
    api =
        HttpApi.start(
            "127.0.0.1", 0, Json.mapper(), access, List.of(new OpsRoutes(metrics, checks)));
    http = new Http("http://127.0.0.1:" + api.port());
  }

  @AfterEach
  void stop() throws SQLException {
    allowConnections(true); // whatever the test did, the database is dropped afterwards
    api.close();
    database.close();
  }

  @Test
  void ready_turns_503_with_the_database_down_while_postgres_is_unreachable_and_recovers()
      throws SQLException {
    var ready = http.get("/health/ready");
    assertThat(ready.status()).as(ready.body()).isEqualTo(200);
    assertThat(ready.json().get("checks").get("database").asText()).isEqualTo("UP");

    allowConnections(false);
    assertThat(terminateConnections()).as("the pool had connections open").isPositive();

    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              var down = http.get("/health/ready");
              assertThat(down.status()).as(down.body()).isEqualTo(503);
              assertThat(down.contentType()).startsWith("application/json");
              assertThat(down.json().get("status").asText()).isEqualTo("DOWN");
              assertThat(down.json().get("checks").get("database").asText()).isEqualTo("DOWN");
              assertThat(down.json().get("checks").get("scheduler").asText()).isEqualTo("UP");
            });
    long asked = System.nanoTime();
    assertThat(http.get("/health/ready").status()).isEqualTo(503);
    long tookMs = (System.nanoTime() - asked) / 1_000_000;
    System.out.printf(
        "/health/ready answered 503 in %d ms with the database refusing connections%n", tookMs);
    assertThat(tookMs)
        .as("a probe with a short timeout still gets the 503, not a timeout")
        .isLessThan(5_000);
    assertThat(http.get("/health/live").status())
        .as("liveness does not depend on the database")
        .isEqualTo(200);

    allowConnections(true);
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              var up = http.get("/health/ready");
              assertThat(up.status()).as(up.body()).isEqualTo(200);
              assertThat(up.json().get("checks").get("database").asText()).isEqualTo("UP");
            });
  }

  private static void allowConnections(boolean allow) throws SQLException {
    admin("alter database " + db.name() + " with allow_connections " + allow);
  }

  private static int terminateConnections() throws SQLException {
    try (var c =
            DriverManager.getConnection(
                TestDatabase.SERVER_URL, TestDatabase.USER, TestDatabase.PASSWORD);
        var s =
            c.prepareStatement(
                "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity where datname = ? and pid <> pg_backend_pid()) t")) {
      s.setString(1, db.name());
      try (var rs = s.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private static void admin(String sql) throws SQLException {
    try (var c =
            DriverManager.getConnection(
                TestDatabase.SERVER_URL, TestDatabase.USER, TestDatabase.PASSWORD);
        var s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
