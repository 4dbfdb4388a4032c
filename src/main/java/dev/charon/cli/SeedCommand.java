package dev.charon.cli;

import dev.charon.clock.ClockMode;
import dev.charon.clock.TestClockSettings;
import dev.charon.config.DatabaseSettings;
import dev.charon.config.Env;
import dev.charon.db.Database;
import dev.charon.seed.Seeder;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "seed",
    description = "Create customers and invoices shaped like the original data.")
final class SeedCommand implements Callable<Integer> {
  @Option(
      names = "--customers",
      defaultValue = "100",
      description = "Customers to create (default ${DEFAULT-VALUE}).")
  int customers;

  @Option(
      names = "--invoices-per-customer",
      defaultValue = "10",
      description = "Invoices per customer; the first is due (default ${DEFAULT-VALUE}).")
  int invoicesPerCustomer;

  @Option(
      names = "--random-seed",
      defaultValue = "0.42",
      description = "Seed in [-1, 1] for repeatable data (default ${DEFAULT-VALUE}).")
  double randomSeed;

  @Option(
      names = "--subscriptions",
      description =
          "Give every customer without one a monthly subscription starting this month (default ${DEFAULT-VALUE}).",
      defaultValue = "false")
  boolean subscriptions;

  @Override
  public Integer call() {
    if (customers < 0 || invoicesPerCustomer < 0 || Math.abs(randomSeed) > 1) {
      System.err.println("charon seed: sizes must be >= 0 and --random-seed within [-1, 1]");
      return 2;
    }
    var env = Env.system();
    try (var db = Database.open(DatabaseSettings.from(env), "seed")) {
      db.migrate();
      // Dates and "this month" on the deployment's clock: a test-clock deployment's frozen time.
      var clock = ClockMode.of(db.jdbi(), TestClockSettings.from(env)).clock();
      var result = new Seeder(db.jdbi(), clock).seed(customers, invoicesPerCustomer, randomSeed);
      System.out.printf(
          "seeded %d customers and %d invoices (%d due) in %.1f s%n",
          result.customers(),
          result.invoices(),
          result.pending(),
          result.elapsed().toMillis() / 1000.0);
      if (subscriptions) {
        var created =
            new Seeder(db.jdbi(), clock).subscriptions(java.time.YearMonth.now(clock), randomSeed);
        System.out.printf("seeded %d monthly subscriptions%n", created);
      }
      return 0;
    }
  }
}
