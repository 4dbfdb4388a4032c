package dev.charon.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.db.SqlFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The ceiling runs the engine's statements, not copies of them (issue 17). */
class CeilingScriptTest {
  private static final Path TEMPLATE = Path.of("bench/ceiling.pgbench");

  @Test
  void the_ceiling_includes_every_statement_of_the_engines_happy_path() throws Exception {
    assertThat(CeilingScript.included(Files.readString(TEMPLATE)))
        .containsAll(CeilingScript.HAPPY_PATH);
  }

  @Test
  void the_engine_runs_the_same_statement_files_the_ceiling_includes() throws Exception {
    var engine =
        Files.readString(Path.of("src/main/java/dev/charon/charging/ChargeStore.java"))
            + Files.readString(
                Path.of("src/main/java/dev/charon/charging/PostgresChargeQueue.java"));
    // The charge path runs its statements through PlainSql (plain JDBC), which loads them with
    // SqlFiles like every other statement.
    assertThat(Files.readString(Path.of("src/main/java/dev/charon/db/PlainSql.java")))
        .contains("SqlFiles.get(n)");
    for (var name : CeilingScript.HAPPY_PATH) {
      assertThat(engine)
          .as(name)
          .containsAnyOf("SqlFiles.get(\"" + name + "\")", "PlainSql.of(\"" + name + "\")");
    }
    assertThat(Files.readString(Path.of("src/main/java/dev/charon/billing/DueInvoices.java")))
        .contains("SqlFiles.get(\"billing/produce\")");
  }

  @Test
  void expanding_puts_each_statement_in_verbatim_and_renames_only_what_the_include_line_says()
      throws Exception {
    var script =
        CeilingScript.expand(
            Files.readString(TEMPLATE),
            name -> {
              try (var in = SqlFiles.class.getResourceAsStream("/sql/" + name + ".sql")) {
                return new String(in.readAllBytes());
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    assertThat(script.lines()).noneMatch(line -> line.strip().startsWith("@include"));
    assertThat(script)
        .contains(
            SqlFiles.get("charging/claim"),
            SqlFiles.get("charging/settle"),
            SqlFiles.get("charging/open-insert"));
    assertThat(script)
        .contains("delete from charge_request where invoice_id = any(:stale_ids::bigint[])");
    assertThat(script)
        .contains(
            "select id from invoice where id = any(:invoices::bigint[]) order by id for update");
  }
}
