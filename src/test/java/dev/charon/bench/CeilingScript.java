package dev.charon.bench;

import dev.charon.db.SqlFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.zip.ZipFile;

/**
 * The ceiling's pgbench script: bench/ceiling.pgbench with every {@code @include NAME} line
 * replaced by the engine's statement {@code sql/NAME.sql}, read from the jar being measured.
 */
final class CeilingScript {
  /** The statements of the engine's happy path, all of which the ceiling must run. */
  static final List<String> HAPPY_PATH =
      List.of(
          "charging/claim",
          "charging/lineage-current",
          "charging/open-lock",
          "charging/open-reconcile",
          "charging/open-insert",
          "charging/lock-invoices",
          "charging/settle");

  private static final Pattern INCLUDE = Pattern.compile("@include (\\S+)((?: \\w+=\\w+)*)");

  private CeilingScript() {}

  static String charge(Path template, Path jar) {
    try {
      return expand(Files.readString(template), name -> fromJar(jar, name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The file {@code sql/NAME.sql} as the measured jar holds it. */
  static String fromJar(Path jar, String name) {
    try (var zip = new ZipFile(jar.toFile())) {
      var entry = zip.getEntry("sql/" + name + ".sql");
      if (entry == null) {
        throw new IllegalStateException(
            jar + " has no sql/" + name + ".sql: the commit predates the engine's SQL files");
      }
      try (var in = zip.getInputStream(entry)) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Expands the includes; {@code var=other} renames a parameter of the included statement. */
  static String expand(String template, java.util.function.Function<String, String> files) {
    return template
            .lines()
            .map(
                line -> {
                  var m = INCLUDE.matcher(line.strip());
                  if (!m.matches()) {
                    return line;
                  }
                  var sql = SqlFiles.statement(files.apply(m.group(1)));
                  for (var rename : m.group(2).strip().split(" ")) {
                    if (!rename.isEmpty()) {
                      var parts = rename.split("=");
                      sql = sql.replaceAll(":" + parts[0] + "\\b", ":" + parts[1]);
                    }
                  }
                  return sql;
                })
            .collect(Collectors.joining("\n"))
        + "\n";
  }

  static List<String> included(String template) {
    return template
        .lines()
        .map(l -> INCLUDE.matcher(l.strip()))
        .filter(java.util.regex.Matcher::matches)
        .map(m -> m.group(1))
        .toList();
  }
}
