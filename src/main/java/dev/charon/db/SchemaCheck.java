package dev.charon.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jdbi.v3.core.Jdbi;

/**
 * Whether every migration this build carries is applied, read straight from Flyway's history table.
 * A worker start does this instead of loading Flyway (about 1.5 s of class loading and classpath
 * scanning on the benchmark box, most of a cold start); checksums are checked by `migrate` and
 * `server`, which run Flyway itself.
 */
final class SchemaCheck {
  private static final String LOCATION = "db/migration";
  private static final Pattern VERSIONED = Pattern.compile("V(\\d+(?:[._]\\d+)*)__.+\\.sql");

  private SchemaCheck() {}

  /**
   * Versions of this build's migrations missing from the database (empty: the schema is current).
   */
  static Set<String> missing(Jdbi jdbi) {
    var missing = new TreeSet<>(bundled());
    missing.removeAll(applied(jdbi));
    return missing;
  }

  static Set<String> bundled() {
    var url = SchemaCheck.class.getClassLoader().getResource(LOCATION);
    if (url == null) {
      throw new IllegalStateException("no " + LOCATION + " on the classpath");
    }
    try {
      Stream<String> names =
          switch (url.getProtocol()) {
            case "jar" -> {
              var connection = (JarURLConnection) url.openConnection();
              connection.setUseCaches(
                  false); // our own JarFile, closed below, not the class loader's
              try (var jar = connection.getJarFile()) {
                yield jar.stream()
                    .map(e -> e.getName())
                    .filter(n -> n.startsWith(LOCATION + "/"))
                    .map(n -> n.substring(LOCATION.length() + 1))
                    .toList()
                    .stream();
              }
            }
            case "file" -> {
              try (var files = Files.list(Path.of(url.toURI()))) {
                yield files.map(p -> p.getFileName().toString()).toList().stream();
              }
            }
            default -> throw new IllegalStateException("cannot list " + url);
          };
      var versions = new TreeSet<String>();
      names
          .map(VERSIONED::matcher)
          .filter(m -> m.matches())
          .forEach(m -> versions.add(m.group(1).replace('_', '.')));
      return versions;
    } catch (IOException e) {
      throw new UncheckedIOException("listing " + url, e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException("listing " + url, e);
    }
  }

  private static Set<String> applied(Jdbi jdbi) {
    return jdbi.withHandle(
        h -> {
          boolean present =
              h.createQuery("select to_regclass('flyway_schema_history') is not null")
                  .mapTo(Boolean.class)
                  .one();
          return present
              ? h.createQuery(
                      "select version from flyway_schema_history where success and version is not null")
                  .mapTo(String.class)
                  .set()
              : Set.<String>of();
        });
  }
}
