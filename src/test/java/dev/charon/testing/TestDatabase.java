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
 * CHARON_TEST_DB_URL} (default: the machine's PostgreSQL at 127.0.0.1:5432 as postgres): a copy of
 * the migrated {@link Template}. Dropped after the class. Register as a static
 * {@code @RegisterExtension} field.
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
  private final boolean fromEmpty;

  public TestDatabase() {
    this(false);
  }

  private TestDatabase(boolean fromEmpty) {
    this.fromEmpty = fromEmpty;
  }

  /**
   * A database migrated by Flyway from empty, not copied from the template: for tests of the
   * migrations themselves.
   */
  public static TestDatabase migratedFromEmpty() {
    return new TestDatabase(true);
  }

  private static String env(String name, String fallback) {
    var value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws SQLException {
    open();
  }

  private void open() throws SQLException {
    if (moved || fromEmpty) {
      admin("create database " + name);
    } else {
      // A copy of the migrated template: a fraction of a second instead of Flyway's few seconds.
      admin("create database " + name + " template " + Template.name(serverUrl));
    }
    var config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl());
    config.setUsername(USER);
    config.setPassword(PASSWORD);
    config.setMaximumPoolSize(20);
    config.setMinimumIdle(1); // many test classes share one server: hold only what is used
    config.setPoolName(name);
    dataSource = new HikariDataSource(config);
    // Nothing to do on a copy of the template, unless a migration came since: then it is applied.
    Database.migrate(dataSource);
    jdbi = Jdbi.create(dataSource);
    // A copy of the template would share its lineage secret with every other test database; each
    // test database is a deployment of its own, so it draws its own, as a fresh migration does.
    jdbi.useHandle(
        h ->
            h.execute(
                "update lineage set secret ="
                    + " replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')"));
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
   * and restore scenarios run on clusters they make themselves, and move back afterwards. The
   * database on the previous server is dropped; the new one is dropped after the class, if its
   * server still runs.
   */
  public void moveTo(String serverUrl) throws SQLException {
    if (dataSource != null) {
      dataSource.close();
    }
    try {
      admin("drop database if exists " + name + " with (force)");
    } catch (SQLException e) {
      if (!moved) {
        throw e;
      }
      // A server the class moved to may be gone (a failover or restore that went wrong).
    }
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
    return urlOf(serverUrl, name);
  }

  /** The JDBC URL of {@code database} on the server of {@code serverUrl}. */
  static String urlOf(String serverUrl, String database) {
    var base = serverUrl.substring(0, serverUrl.lastIndexOf('/') + 1);
    var query = serverUrl.contains("?") ? serverUrl.substring(serverUrl.indexOf('?')) : "";
    return base + database + query;
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
   * Empties every table Charon writes (not the migration history, currencies, API keys or the
   * lineage secret), restarting their ids. Only tables with rows are truncated: TRUNCATE gives each
   * table and index new files, and all of them took about a second on a loaded machine, before
   * every test.
   */
  public void clean() {
    jdbi.useHandle(h -> h.execute(CLEAN));
  }

  private static final String CLEAN =
      """
      do $$
      declare
          kept constant text[] := array['flyway_schema_history', 'currency', 'api_key', 'lineage'];
          t text;
          has_rows boolean;
          filled text[] := '{}';
      begin
          for t in select format('%I.%I', schemaname, tablename) from pg_tables
                   where schemaname = 'public' and tablename <> all (kept) loop
              execute format('select exists (select from %s)', t) into has_rows;
              if has_rows then
                  filled := filled || t;
              end if;
          end loop;
          if cardinality(filled) > 0 then
              execute 'truncate ' || array_to_string(filled, ', ') || ' cascade';
          end if;
          -- What "restart identity" did: every id sequence of those tables starts again.
          perform setval(s.oid::regclass, q.seqstart, false)
          from pg_class s
          join pg_sequence q on q.seqrelid = s.oid
          join pg_depend d on d.objid = s.oid and d.classid = 'pg_class'::regclass
              and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i')
          join pg_class owner on owner.oid = d.refobjid
          join pg_namespace n on n.oid = owner.relnamespace
          where n.nspname = 'public' and owner.relname <> all (kept);
      end $$
      """;

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
