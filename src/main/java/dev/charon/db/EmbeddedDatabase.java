package dev.charon.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
    requireUnused(dataDir);
    try {
      Files.createDirectories(dataDir.toAbsolutePath().getParent());
      var builder =
          EmbeddedPostgres.builder()
              .setDataDirectory(dataDir)
              .setCleanDataDirectory(false)
              // Our own shutdown closes it after the workers drained; its hook would race them.
              .setRegisterShutdownHook(false)
              .setPGStartupWait(Duration.ofSeconds(30))
              .setServerConfig("max_connections", "200")
              .setServerConfig("fsync", "on");
      if (RootPostgres
          .runningAsRoot()) { // PostgreSQL refuses root: only its own processes leave it
        RootPostgres.configure(builder, dataDir, ROOT_BINARIES);
      }
      var postgres = startLocked(builder, dataDir);
      log.info("embedded PostgreSQL on port {} with data in {}", postgres.getPort(), dataDir);
      return new EmbeddedDatabase(postgres, dataDir);
    } catch (IOException e) {
      throw new DatabaseException("could not start embedded PostgreSQL in " + dataDir, e);
    }
  }

  private static final Path ROOT_BINARIES =
      Path.of(System.getProperty("java.io.tmpdir"), "charon-embedded-pg-root");

  // zonky locks epg-lock in the data directory for as long as its server runs.
  private static final String LOCK_FILE = "epg-lock";

  private static EmbeddedPostgres startLocked(EmbeddedPostgres.Builder builder, Path dataDir)
      throws IOException {
    try {
      return builder.start();
    } catch (IllegalStateException e) { // two starts at once: the loser finds the lock taken
      if (String.valueOf(e.getMessage()).startsWith("could not lock")) {
        throw inUse(dataDir);
      }
      throw e;
    }
  }

  /**
   * A second demo on the same data directory would find zonky's lock taken deep inside its start (a
   * stack trace ending in "could not lock .../epg-lock"): say so first, in one line.
   */
  public static void requireUnused(Path dataDir) {
    var lockFile = dataDir.resolve(LOCK_FILE);
    if (!Files.exists(lockFile)) {
      return;
    }
    try (var channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
      var lock = channel.tryLock();
      if (lock == null) {
        throw inUse(dataDir);
      }
      lock.release();
    } catch (OverlappingFileLockException e) { // this very JVM runs it
      throw inUse(dataDir);
    } catch (IOException e) {
      throw new DatabaseException(
          "cannot read the lock of the data directory " + dataDir + ": " + e.getMessage(), e);
    }
  }

  private static DatabaseException inUse(Path dataDir) {
    return new DatabaseException(
        "another demo is using the data directory "
            + dataDir
            + ": stop it, or give this one its own,"
            + " e.g. CHARON_DATA_DIR="
            + dataDir.toAbsolutePath().resolveSibling(dataDir.getFileName() + "-2")
            + " ./charon demo",
        null);
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
