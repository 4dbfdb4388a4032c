package dev.charon.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a worker checks at start instead of migrating: every migration in the jar applied,
 * successfully.
 */
class SchemaCheckTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();

  @Test
  void
      missing_is_empty_when_migrated_then_names_unapplied_and_failed_versions_tolerating_newer_ones_then_all_without_history() {
    assertThat(SchemaCheck.bundled()).contains("1", "5", "6");
    assertThat(SchemaCheck.missing(db.jdbi())).isEmpty();

    db.jdbi()
        .useHandle(
            h -> {
              h.execute("delete from flyway_schema_history where version = '6'");
              h.execute("update flyway_schema_history set success = false where version = '5'");
              h.execute(
                  """
          insert into flyway_schema_history (installed_rank, version, description, type, script, installed_by, execution_time, success)
          values (99, '99', 'from a newer build', 'SQL', 'V99__newer.sql', 'test', 1, true)""");
            });
    assertThat(SchemaCheck.missing(db.jdbi())).containsExactly("5", "6");

    db.jdbi().useHandle(h -> h.execute("drop table flyway_schema_history"));
    assertThat(SchemaCheck.missing(db.jdbi()))
        .containsExactlyInAnyOrderElementsOf(SchemaCheck.bundled());
  }
}
