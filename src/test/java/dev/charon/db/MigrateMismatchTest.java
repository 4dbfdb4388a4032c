package dev.charon.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.charon.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A database another build migrated (the demo's data directory left by a branch whose migrations
 * differ) stops migrate with one line that names what to change, not Flyway's stack trace.
 */
class MigrateMismatchTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();

  @Test
  void a_database_migrated_by_another_build_stops_with_one_line_naming_where_to_point_instead() {
    // As a branch leaves it: one of this build's migrations is not in its history.
    db.jdbi().useHandle(h -> h.execute("delete from flyway_schema_history where version = '6'"));

    assertThatThrownBy(() -> Database.migrate(db.dataSource()))
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining("migrated by another build")
        .hasMessageContaining("CHARON_DATA_DIR")
        .hasMessageContaining("CHARON_DB_URL")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    int applied =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery("select count(*) from flyway_schema_history where version = '6'")
                        .mapTo(Integer.class)
                        .one());
    assertThat(applied).as("nothing applied").isZero();
  }
}
