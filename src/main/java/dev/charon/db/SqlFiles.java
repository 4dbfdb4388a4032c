package dev.charon.db;

import dev.charon.invoice.domain.InvoiceTransition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The engine's SQL statements, one file each under {@code src/main/resources/sql/}: the engine runs
 * them and the benchmark's pgbench ceiling includes the same files, so the two cannot drift. Status
 * names are written {@code ${TRANSITION.from}}, {@code .to} or {@code .actor} and come from {@link
 * InvoiceTransition}.
 */
public final class SqlFiles {
  private static final ConcurrentHashMap<String, String> CACHE = new ConcurrentHashMap<>();
  // ${PAY.from}: status names come from the invoice lifecycle, inlined as SQL literals (a literal
  // lets the planner match the partial indexes on status).
  private static final Pattern TOKEN = Pattern.compile("\\$\\{([A-Z_]+)\\.(from|to|actor)}");

  private SqlFiles() {}

  /** The statement in {@code sql/<name>.sql}, e.g. {@code charging/claim}. */
  public static String get(String name) {
    return CACHE.computeIfAbsent(name, SqlFiles::read);
  }

  /**
   * The file without its comment lines: a comment's apostrophe or colon would otherwise reach the
   * parameter parsers of JDBI and pgbench as a quote or a parameter.
   */
  public static String statement(String file) {
    var sql =
        file.lines()
            .filter(line -> !line.strip().startsWith("--"))
            .collect(Collectors.joining("\n"))
            .strip();
    return TOKEN
        .matcher(sql)
        .replaceAll(
            m -> {
              var transition = InvoiceTransition.valueOf(m.group(1));
              return switch (m.group(2)) {
                case "from" -> transition.sqlFrom();
                case "to" -> transition.sqlTo();
                default -> transition.sqlActor();
              };
            });
  }

  private static String read(String name) {
    var path = "/sql/" + name + ".sql";
    try (var in = SqlFiles.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("SQL resource " + path + " is missing from the jar");
      }
      return statement(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read SQL resource " + path, e);
    }
  }
}
