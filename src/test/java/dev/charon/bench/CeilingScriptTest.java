package dev.charon.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.db.SqlFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The ceiling's script: it includes the engine's happy path, verbatim. That the engine runs those
 * same statements is checked at run time by {@link CeilingStatementsTest}.
 */
class CeilingScriptTest {
  private static final Path TEMPLATE = Path.of("bench/ceiling.pgbench");

  @Test
  void the_ceiling_includes_every_statement_of_the_engines_happy_path() throws Exception {
    assertThat(CeilingScript.included(Files.readString(TEMPLATE)))
        .containsAll(CeilingScript.HAPPY_PATH);
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
