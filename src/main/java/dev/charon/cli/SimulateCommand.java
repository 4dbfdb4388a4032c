package dev.charon.cli;

import dev.charon.charging.domain.Dunning;
import dev.charon.config.ConfigException;
import dev.charon.config.DatabaseSettings;
import dev.charon.config.Env;
import dev.charon.db.Database;
import dev.charon.simulate.Simulation;
import dev.charon.simulate.SimulationReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "simulate",
    description =
        "Compare dunning policies: months of billing on the test clock with the real engine, one embedded database per policy.")
final class SimulateCommand implements Callable<Integer> {
  @Option(
      names = "--customers",
      defaultValue = "1000",
      description = "Customers, one monthly subscription each (default ${DEFAULT-VALUE}).")
  int customers;

  @Option(
      names = "--months",
      defaultValue = "12",
      description = "Months to bill (default ${DEFAULT-VALUE}).")
  int months;

  @Option(
      names = "--policy",
      required = true,
      paramLabel = "WAITS|paydays|by-code",
      description =
          "A dunning policy: waits like 1d,3d,7d; paydays (insufficient funds retried on the next 1st/15th); or by-code (waits per decline code). Repeat to compare.")
  List<String> policies;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Population seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--start",
      defaultValue = "2026-01",
      description = "First billed month (default ${DEFAULT-VALUE}).")
  YearMonth start;

  @Option(
      names = "--out",
      defaultValue = "target/simulation",
      description = "Where the report, JSON, chart and databases go (default ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws Exception {
    if (customers < 1 || months < 1 || months > 120) {
      throw new ConfigException("--customers must be >= 1 and --months within 1..120");
    }
    var dunnings = new ArrayList<Dunning>();
    for (var p : policies) {
      try {
        dunnings.add(Dunning.parse(p));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("--policy: " + e.getMessage());
      }
    }
    var options = new Simulation.Options(customers, months, start, seed);
    var base = DatabaseSettings.from(Env.system());
    var results = new ArrayList<Simulation.Result>();
    long started = System.nanoTime();
    for (int i = 0; i < dunnings.size(); i++) {
      var dir =
          Files.createDirectories(out)
              .toAbsolutePath()
              .resolve("db-" + i + "-" + System.nanoTime());
      var settings = new DatabaseSettings(Optional.empty(), base.user(), base.password(), 20, dir);
      long t = System.nanoTime();
      try (var db = Database.open(settings, "simulate")) {
        db.migrate();
        // A throwaway database: a commit need not wait for the disk (the run is I/O-bound
        // otherwise).
        db.jdbi().useHandle(h -> h.execute("alter database postgres set synchronous_commit = off"));
        ((com.zaxxer.hikari.HikariDataSource) db.dataSource())
            .getHikariPoolMXBean()
            .softEvictConnections();
        results.add(Simulation.run(db, dunnings.get(i), options));
      }
      System.err.printf(
          "policy %s: %.1f s%n", dunnings.get(i).name(), (System.nanoTime() - t) / 1e9);
      deleteTree(dir);
    }
    var report = SimulationReport.markdown(options, results);
    System.out.println(report);
    SimulationReport.write(out, options, results);
    System.out.printf(
        "%nwrote %s/simulation.md, simulation.json, simulation.png in %.1f s%n",
        out, (System.nanoTime() - started) / 1e9);
    return 0;
  }

  private static void deleteTree(Path dir) throws java.io.IOException {
    try (var paths = Files.walk(dir)) {
      for (var p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
