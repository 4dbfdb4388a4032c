package dev.charon.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server started from the jar (zonky binaries) for the demo and for single-machine
 * use. Its data directory survives restarts, so a demo database can be billed again later.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);

  private final EmbeddedPostgres postgres;
  private final Path dataDir;

  private EmbeddedDatabase(EmbeddedPostgres postgres, Path dataDir) {
    this.postgres = postgres;
    this.dataDir = dataDir;
  }

  public static EmbeddedDatabase start(Path dataDir) {
    refuseRoot();
    try {
      Files.createDirectories(dataDir.getParent());
      var postgres =
          EmbeddedPostgres.builder()
              .setDataDirectory(dataDir)
              .setCleanDataDirectory(false)
              // Our own shutdown closes it after the workers drained; its hook would race them.
              .setRegisterShutdownHook(false)
              .setPGStartupWait(Duration.ofSeconds(30))
              .setServerConfig("max_connections", "200")
              .setServerConfig("fsync", "on")
              .start();
      log.info("embedded PostgreSQL on port {} with data in {}", postgres.getPort(), dataDir);
      return new EmbeddedDatabase(postgres, dataDir);
    } catch (IOException e) {
      throw new DatabaseException("could not start embedded PostgreSQL in " + dataDir, e);
    }
  }

  // PostgreSQL refuses to run as root; say so plainly instead of failing deep inside initdb.
  private static void refuseRoot() {
    if ("root".equals(System.getProperty("user.name"))) {
      throw new DatabaseException(
          "embedded PostgreSQL cannot run as root: start Charon through ./charon (it drops to an"
              + " unprivileged user) or set CHARON_DB_URL to an existing PostgreSQL",
          null);
    }
  }

  public String jdbcUrl() {
    return postgres.getJdbcUrl("postgres", "postgres");
  }

  public Path dataDir() {
    return dataDir;
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      log.warn("embedded PostgreSQL did not stop cleanly", e);
    }
  }
}
