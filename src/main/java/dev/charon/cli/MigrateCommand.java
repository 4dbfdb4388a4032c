package dev.charon.cli;

import dev.charon.config.DatabaseSettings;
import dev.charon.config.Env;
import dev.charon.db.Database;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "migrate", description = "Apply database migrations and exit.")
final class MigrateCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    try (var db = Database.open(DatabaseSettings.from(Env.system()), "migrate")) {
      int applied = db.migrate();
      System.out.println("migrations applied: " + applied);
      return 0;
    }
  }
}
