package dev.charon.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Where the database is. Without {@code CHARON_DB_URL} the process starts an embedded PostgreSQL in
 * {@code CHARON_DATA_DIR}. {@code CHARON_DB_CONNECT_TIMEOUT} is how long a process waits for the
 * database at start (and for a pooled connection later) before it gives up, naming the URL.
 */
public record DatabaseSettings(
    Optional<String> url,
    String user,
    String password,
    int poolSize,
    Path embeddedDataDir,
    Duration connectTimeout) {
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  // HikariCP's floor: below it the pool quietly uses 30 s instead.
  static final Duration MIN_CONNECT_TIMEOUT = Duration.ofMillis(250);

  public DatabaseSettings(
      Optional<String> url, String user, String password, int poolSize, Path embeddedDataDir) {
    this(url, user, password, poolSize, embeddedDataDir, DEFAULT_CONNECT_TIMEOUT);
  }

  public static DatabaseSettings from(Env env) {
    var url = env.optional("CHARON_DB_URL");
    url.ifPresent(
        value -> {
          if (!value.startsWith("jdbc:postgresql://")) {
            throw new ConfigException(
                "CHARON_DB_URL="
                    + value
                    + " is not valid: expected jdbc:postgresql://host:port/db");
          }
        });
    var dataDir =
        env.optional("CHARON_DATA_DIR")
            .map(Path::of)
            .orElse(Path.of(System.getProperty("java.io.tmpdir"), "charon", "demo-db"));
    var connectTimeout = env.duration("CHARON_DB_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT);
    if (connectTimeout.compareTo(MIN_CONNECT_TIMEOUT) < 0) {
      throw new ConfigException(
          "CHARON_DB_CONNECT_TIMEOUT="
              + env.optional("CHARON_DB_CONNECT_TIMEOUT").orElseThrow()
              + " is out of range: expected at least 250ms");
    }
    return new DatabaseSettings(
        url,
        env.string("CHARON_DB_USER", "postgres"),
        env.string("CHARON_DB_PASSWORD", ""),
        env.integer("CHARON_DB_POOL_SIZE", 10, 1, 500),
        dataDir,
        connectTimeout);
  }

  public boolean embedded() {
    return url.isEmpty();
  }
}
