package dev.charon.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.charon.db.Database;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The migrated database every {@link TestDatabase} is a copy of ({@code CREATE DATABASE ...
 * TEMPLATE}): Flyway runs once per set of migrations and server, not once per test class. Its name
 * carries a digest of the migration files, so a changed or added migration (another branch's, on
 * the same server) gets a template of its own. Made under an advisory lock, as a database of
 * another name renamed when complete, so parallel JVMs neither build it twice nor copy it half
 * made. Kept between runs; connections to it are refused, as a copy needs it unused.
 */
final class Template {
  private static final Map<String, String> MADE = new ConcurrentHashMap<>();
  private static final String LOCK = "select pg_advisory_lock(hashtext('charon test template'))";
  private static final String UNLOCK =
      "select pg_advisory_unlock(hashtext('charon test template'))";

  private Template() {}

  /** The name of the template on {@code serverUrl}, made first if it is not there. */
  static synchronized String name(String serverUrl) throws SQLException {
    var made = MADE.get(serverUrl);
    if (made != null) {
      return made;
    }
    var name = "charon_tpl_" + migrationsDigest();
    try (var c = DriverManager.getConnection(serverUrl, TestDatabase.USER, TestDatabase.PASSWORD)) {
      execute(c, LOCK);
      try {
        if (!exists(c, name)) {
          var building = name + "_new";
          execute(c, "drop database if exists " + building + " with (force)");
          execute(c, "create database " + building);
          migrate(serverUrl, building);
          execute(c, "alter database " + building + " rename to " + name);
          execute(c, "alter database " + name + " with is_template true allow_connections false");
        }
      } finally {
        execute(c, UNLOCK);
      }
    }
    MADE.put(serverUrl, name);
    return name;
  }

  private static void migrate(String serverUrl, String database) {
    var config = new HikariConfig();
    config.setJdbcUrl(TestDatabase.urlOf(serverUrl, database));
    config.setUsername(TestDatabase.USER);
    config.setPassword(TestDatabase.PASSWORD);
    config.setMaximumPoolSize(2);
    config.setPoolName(database);
    try (var dataSource = new HikariDataSource(config)) {
      Database.migrate(dataSource);
    }
  }

  private static boolean exists(Connection c, String database) throws SQLException {
    try (var s = c.prepareStatement("select 1 from pg_database where datname = ?")) {
      s.setString(1, database);
      try (var r = s.executeQuery()) {
        return r.next();
      }
    }
  }

  private static void execute(Connection c, String sql) throws SQLException {
    try (var s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /** SHA-256 over the migrations' file names and contents, in name order: 16 hex digits. */
  static String migrationsDigest() {
    try {
      var url = Database.class.getClassLoader().getResource("db/migration");
      if (url == null) {
        throw new IllegalStateException("no db/migration on the class path");
      }
      var uri = url.toURI();
      if (uri.getScheme().equals("jar")) {
        try {
          FileSystems.newFileSystem(uri, Map.of());
        } catch (FileSystemAlreadyExistsException e) {
          // opened before: Path.of finds it
        }
      }
      var digest = MessageDigest.getInstance("SHA-256");
      try (var files = Files.list(Path.of(uri))) {
        for (var file : files.sorted().toList()) {
          digest.update(
              file.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
          digest.update(Files.readAllBytes(file));
        }
      }
      return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException | NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
