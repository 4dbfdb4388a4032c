package dev.charon.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.charging.domain.Dunning;
import dev.charon.config.DatabaseSettings;
import dev.charon.db.Database;
import dev.charon.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.YearMonth;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The simulator on the real engine and the test clock: the same seed gives the same report. */
class SimulationTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static final Simulation.Options OPTIONS =
      new Simulation.Options(60, 3, YearMonth.of(2026, 1), 11);

  @Test
  void the_simulation_is_deterministic_for_a_seed(@TempDir Path dir) throws Exception {
    var first = List.of(run(Dunning.parse("1d,3d,7d")), run(Dunning.parse("paydays")));
    var second = List.of(run(Dunning.parse("1d,3d,7d")), run(Dunning.parse("paydays")));
    var report = SimulationReport.markdown(OPTIONS, first);
    System.out.println(report);

    assertThat(SimulationReport.markdown(OPTIONS, second)).isEqualTo(report);
    assertThat(first.getFirst().invoices()).as("one invoice per customer and month").isEqualTo(180);
    assertThat(first.getFirst().declinesByCode()).isNotEmpty();
    SimulationReport.write(dir, OPTIONS, first);
    assertThat(Files.size(dir.resolve("simulation.png"))).isPositive();
    assertThat(Files.readString(dir.resolve("simulation.json")))
        .contains("\"policy\" : \"paydays\"");
  }

  private Simulation.Result run(Dunning dunning) {
    db.clean();
    // The simulator charges through the worker role, which runs on a Database (a pool of its own).
    try (var database =
        Database.open(
            new DatabaseSettings(
                Optional.of(db.jdbcUrl()),
                TestDatabase.USER,
                TestDatabase.PASSWORD,
                8,
                Path.of("-")),
            "simulation-test")) {
      return Simulation.run(database, dunning, OPTIONS);
    }
  }
}
