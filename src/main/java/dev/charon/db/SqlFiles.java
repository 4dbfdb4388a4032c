package dev.charon.db;

import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.invoice.domain.InvoiceTransition;
import dev.charon.invoice.domain.StatusSql;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The engine's SQL statements, one file each under {@code src/main/resources/sql/}: the engine runs
 * them and the benchmark's pgbench ceiling includes the same files, so the two cannot drift. Status
 * names are written {@code ${TRANSITION.from}}, {@code .to} or {@code .actor} (from {@link
 * InvoiceTransition}) or, in reads, {@code ${status.PAID}} and {@code ${status.PAID,REFUNDED}}
 * (from {@link InvoiceStatus}), rendered by {@link StatusSql}; a text block beside its repository
 * writes them the same way and renders them once with {@link #statement}. The rule is in {@code
 * sql/README.md}.
 */
public final class SqlFiles {
  private static final ConcurrentHashMap<String, String> CACHE = new ConcurrentHashMap<>();

  private SqlFiles() {}

  /** The statement in {@code sql/<name>.sql}, e.g. {@code charging/claim}. */
  public static String get(String name) {
    return CACHE.computeIfAbsent(name, SqlFiles::read);
  }

  /**
   * The file (or text block) without its comment lines, its status tokens rendered as SQL literals.
   * A comment's apostrophe or colon would otherwise reach the parameter parsers of JDBI and pgbench
   * as a quote or a parameter. An unknown transition or status name fails here, at class load.
   */
  public static String statement(String file) {
    var sql =
        file.lines()
            .filter(line -> !line.strip().startsWith("--"))
            .collect(Collectors.joining("\n"))
            .strip();
    return StatusSql.render(sql);
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
