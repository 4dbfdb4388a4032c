package dev.charon.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the database is. Without {@code CHARON_DB_URL} the process starts an embedded PostgreSQL in
 * {@code CHARON_DATA_DIR}.
 */
public record DatabaseSettings(
    Optional<String> url, String user, String password, int poolSize, Path embeddedDataDir) {

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
    return new DatabaseSettings(
        url,
        env.string("CHARON_DB_USER", "postgres"),
        env.string("CHARON_DB_PASSWORD", ""),
        env.integer("CHARON_DB_POOL_SIZE", 10, 1, 500),
        dataDir);
  }

  public boolean embedded() {
    return url.isEmpty();
  }
}
