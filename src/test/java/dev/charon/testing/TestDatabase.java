package dev.charon.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.charon.db.Database;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.UUID;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh, migrated PostgreSQL database per test class, on the server named by {@code
 * CHARON_TEST_DB_URL} (default: the machine's PostgreSQL at 127.0.0.1:5432 as postgres). Dropped
 * after the class. Register as a static {@code @RegisterExtension} field.
 */
public final class TestDatabase implements BeforeAllCallback, AfterAllCallback {
  public static final String SERVER_URL =
      env("CHARON_TEST_DB_URL", "jdbc:postgresql://127.0.0.1:5432/postgres");
  public static final String USER = env("CHARON_TEST_DB_USER", "postgres");
  public static final String PASSWORD = env("CHARON_TEST_DB_PASSWORD", "");

  private final String name =
      "charon_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
  private HikariDataSource dataSource;
  private Jdbi jdbi;
  private String serverUrl = SERVER_URL;
  private boolean moved;

  private static String env(String name, String fallback) {
    var value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws SQLException {
    open();
  }

  private void open() throws SQLException {
    admin("create database " + name);
    var config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl());
    config.setUsername(USER);
    config.setPassword(PASSWORD);
    config.setMaximumPoolSize(20);
    config.setMinimumIdle(1); // many test classes share one server: hold only what is used
    config.setPoolName(name);
    dataSource = new HikariDataSource(config);
    Database.migrate(dataSource);
    jdbi = Jdbi.create(dataSource);
  }

  @Override
  public void afterAll(ExtensionContext context) throws SQLException {
    if (dataSource != null) {
      dataSource.close();
    }
    try {
      admin("drop database if exists " + name + " with (force)");
    } catch (SQLException e) {
      if (!moved) {
        throw e;
      }
      // A server the class moved to may be gone (ChaosIT's failover drops its own clusters).
    }
  }

  /**
   * Moves this class's database to another server (same name, migrated afresh): ChaosIT's failover
   * scenario runs on a primary + standby pair it makes itself. The database on the previous server
   * is dropped; the new one is dropped after the class, if its server still runs.
   */
  public void moveTo(String serverUrl) throws SQLException {
    if (dataSource != null) {
      dataSource.close();
    }
    admin("drop database if exists " + name + " with (force)");
    this.serverUrl = serverUrl;
    moved = true;
    open();
  }

  private void admin(String sql) throws SQLException {
    try (var c = DriverManager.getConnection(serverUrl, USER, PASSWORD);
        var s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /** The JDBC URL of this class's database. */
  public String jdbcUrl() {
    var base = serverUrl.substring(0, serverUrl.lastIndexOf('/') + 1);
    var query = serverUrl.contains("?") ? serverUrl.substring(serverUrl.indexOf('?')) : "";
    return base + name + query;
  }

  public String name() {
    return name;
  }

  public DataSource dataSource() {
    return dataSource;
  }

  public Jdbi jdbi() {
    return jdbi;
  }

  /**
   * Empties every table Charon writes (not the migration history, currencies or API keys),
   * restarting ids.
   */
  public void clean() {
    jdbi.useHandle(
        h -> {
          var tables =
              h.createQuery(
                      """
                      select string_agg(format('%I.%I', schemaname, tablename), ', ')
                      from pg_tables
                      where schemaname in ('public') and tablename not in ('flyway_schema_history', 'currency', 'api_key')
                      """)
                  .mapTo(String.class)
                  .one();
          h.execute("truncate " + tables + " restart identity cascade");
        });
  }

  /** Environment for a child process that should use this database. */
  public java.util.Map<String, String> processEnv() {
    return java.util.Map.of(
        "CHARON_DB_URL", jdbcUrl(), "CHARON_DB_USER", USER, "CHARON_DB_PASSWORD", PASSWORD);
  }

  /**
   * The environment of a Charon process in a test: this database, metrics on a free port, retries
   * and reconciliation after 200 ms instead of seconds; then {@code overrides} (name, value, ...).
   */
  public java.util.Map<String, String> processEnv(String... overrides) {
    var env = new java.util.HashMap<>(processEnv());
    env.put("CHARON_METRICS_PORT", "0");
    env.put("CHARON_RETRY_BASE", "200ms");
    env.put("CHARON_RECONCILE_BASE", "200ms");
    for (int i = 0; i < overrides.length; i += 2) {
      env.put(overrides[i], overrides[i + 1]);
    }
    return env;
  }
}
