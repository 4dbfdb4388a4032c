package dev.charon.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.charon.config.DatabaseSettings;
import java.time.Duration;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;

/**
 * The connection pool and the JDBI handle over it, plus the embedded server when one was started.
 * Closing it closes all of them in the right order.
 */
public final class Database implements AutoCloseable {
  private final HikariDataSource dataSource;
  private final Jdbi jdbi;
  private final EmbeddedDatabase embedded;

  private Database(HikariDataSource dataSource, EmbeddedDatabase embedded) {
    this.dataSource = dataSource;
    this.embedded = embedded;
    this.jdbi = Jdbi.create(dataSource);
  }

  public static Database open(DatabaseSettings settings, String poolName) {
    EmbeddedDatabase embedded = null;
    String url;
    String user = settings.user();
    String password = settings.password();
    if (settings.embedded()) {
      embedded = EmbeddedDatabase.start(settings.embeddedDataDir());
      url = embedded.jdbcUrl();
      user = "postgres";
      password = "";
    } else {
      url = settings.url().orElseThrow();
    }
    return new Database(
        pool(url, user, password, settings.poolSize(), poolName, settings.connectTimeout()),
        embedded);
  }

  static HikariDataSource pool(
      String url, String user, String password, int size, String name, Duration connectTimeout) {
    var config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(size);
    config.setPoolName(name);
    config.setConnectionTimeout(connectTimeout.toMillis());
    // Fail at start, naming the URL, when the database is unreachable (the pool keeps trying until
    // then, so a database that is still starting is waited for).
    config.setInitializationFailTimeout(connectTimeout.toMillis());
    config.addDataSourceProperty("reWriteBatchedInserts", "true");
    config.addDataSourceProperty("ApplicationName", "charon-" + name);
    try {
      return new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw new DatabaseException("cannot connect to " + url + ": " + rootMessage(e), e);
    }
  }

  private static String rootMessage(Throwable e) {
    var cause = e;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause.getMessage();
  }

  private static Flyway flyway(DataSource dataSource) {
    return Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load();
  }

  /**
   * Applies pending Flyway migrations; safe to call from every process at start. A schema history
   * this build's migrations do not match (a database another build migrated, such as a demo data
   * directory left by a branch) stops with one line saying what to do.
   */
  public static int migrate(DataSource dataSource) {
    try {
      return flyway(dataSource).migrate().migrationsExecuted;
    } catch (org.flywaydb.core.api.exception.FlywayValidateException e) {
      var first = String.valueOf(e.getMessage()).lines().filter(l -> !l.isBlank()).toList();
      throw new DatabaseException(
          "the database was migrated by another build of Charon and does not match this one's"
              + " migrations ("
              + (first.size() > 1 ? first.get(1).strip() : first.isEmpty() ? "" : first.get(0))
              + "); point CHARON_DATA_DIR (the embedded demo) or CHARON_DB_URL at a new database,"
              + " or run the build that migrated it",
          e);
    }
  }

  public int migrate() {
    return migrate(dataSource);
  }

  /**
   * Refuses to go on unless every migration of this build is applied, without changing the schema
   * or loading Flyway: workers start faster and never race a deploy's migration. Migrations that a
   * newer build applied are accepted, so old workers keep running through a rolling deploy.
   */
  public void requireMigrated() {
    var missing = SchemaCheck.missing(jdbi);
    if (!missing.isEmpty()) {
      throw new DatabaseException(
          "the database schema is not at this build's version; run `charon migrate` (or start `charon server`) first"
              + " (not applied: V"
              + String.join(", V", missing)
              + ")",
          null);
    }
  }

  /**
   * Whether a pooled connection answers within a second: readiness probes have short timeouts, so a
   * database that does not answer is reported DOWN rather than making the probe wait for the pool's
   * own connection timeout.
   */
  public boolean isReachable() {
    var probe =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try (var connection = dataSource.getConnection()) {
                return connection.isValid(1);
              } catch (java.sql.SQLException e) {
                return false;
              }
            },
            task -> Thread.ofVirtual().name("db-probe").start(task));
    try {
      return probe.get(1500, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  public int poolSize() {
    return dataSource.getMaximumPoolSize();
  }

  public Jdbi jdbi() {
    return jdbi;
  }

  public DataSource dataSource() {
    return dataSource;
  }

  public java.util.Optional<EmbeddedDatabase> embedded() {
    return java.util.Optional.ofNullable(embedded);
  }

  @Override
  public void close() {
    dataSource.close();
    if (embedded != null) {
      embedded.close();
    }
  }
}
