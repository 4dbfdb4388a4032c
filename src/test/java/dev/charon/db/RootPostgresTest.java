package dev.charon.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The data directory a root JVM gives its embedded PostgreSQL (DemoIT starts the real thing). */
class RootPostgresTest {
  private Path dir;

  @BeforeEach
  void setUp() throws IOException {
    assumeTrue(RootPostgres.runningAsRoot(), "only as root (CI runs as root): chown needs it");
    dir = Files.createTempDirectory("root-postgres");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @AfterEach
  void tearDown() throws IOException {
    if (dir != null) {
      try (var paths = Files.walk(dir)) {
        for (var path : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(path);
        }
      }
    }
  }

  @Test
  void a_new_data_directory_belongs_to_the_user_postgres_runs_as_and_only_to_it()
      throws IOException {
    var data = dir.resolve("a/b/demo-db");

    RootPostgres.prepareDataDirectory(data, RootPostgres.NOBODY);

    assertThat(uid(data)).isEqualTo(RootPostgres.NOBODY);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data)))
        .isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a/b"))))
        .as("folders created on the way let nobody through")
        .isEqualTo("rwxr-xr-x");
  }

  @Test
  void a_database_left_by_the_other_scheme_is_handed_over_whole() throws IOException {
    var data = Files.createDirectory(dir.resolve("demo-db"));
    var version = Files.writeString(data.resolve("PG_VERSION"), "14\n");
    var table = Files.writeString(Files.createDirectory(data.resolve("base")).resolve("1"), "rows");
    for (var path : new Path[] {data, version, data.resolve("base"), table}) {
      Files.setAttribute(path, "unix:uid", RootPostgres.NOBODY);
    }

    RootPostgres.prepareDataDirectory(data, 0);

    assertThat(new Path[] {data, version, data.resolve("base"), table})
        .allSatisfy(p -> assertThat(uid(p)).isZero());
  }

  @Test
  void a_foreign_folder_that_holds_no_database_is_refused_and_left_alone() throws IOException {
    var data = Files.createDirectory(dir.resolve("photos"));
    var photo = Files.writeString(data.resolve("cat.jpg"), "meow");
    Files.setAttribute(data, "unix:uid", 1234);
    Files.setAttribute(photo, "unix:uid", 1234);

    assertThatThrownBy(() -> RootPostgres.prepareDataDirectory(data, RootPostgres.NOBODY))
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining("belongs to uid 1234 and holds no PostgreSQL database")
        .hasMessageContaining("CHARON_DATA_DIR");
    assertThat(uid(photo)).isEqualTo(1234);
  }

  @Test
  void a_data_directory_below_a_folder_nobody_cannot_enter_is_refused_naming_that_folder()
      throws IOException {
    var home = Files.createDirectory(dir.resolve("root-home"));
    Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));

    assertThatThrownBy(
            () -> RootPostgres.prepareDataDirectory(home.resolve("demo-db"), RootPostgres.NOBODY))
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining("cannot enter " + home)
        .hasMessageContaining("CHARON_DATA_DIR");
    assertThat(home.resolve("demo-db")).doesNotExist();
  }

  private static int uid(Path path) {
    try {
      return (Integer)
          Files.getAttribute(path, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
