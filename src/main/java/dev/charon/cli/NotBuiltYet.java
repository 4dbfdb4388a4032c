package dev.charon.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/** Roles that are designed but not built yet: they say so and exit non-zero. */
abstract class NotBuiltYet implements Callable<Integer> {
  @Unmatched java.util.List<String> ignored;

  @Override
  public Integer call() {
    var name = getClass().getAnnotation(Command.class).name();
    System.err.println("charon " + name + " is not built yet");
    return 3;
  }

  @Command(name = "worker", description = "Charge consumers (not built yet).")
  static final class Worker extends NotBuiltYet {}

  @Command(name = "bill", description = "Start or resume the billing run for a period (not built yet).")
  static final class Bill extends NotBuiltYet {}

  @Command(name = "gateway", description = "Fake payment provider over HTTP (not built yet).")
  static final class Gateway extends NotBuiltYet {}

  @Command(name = "audit", description = "Reconcile the database with the provider's ledger (not built yet).")
  static final class Audit extends NotBuiltYet {}

  @Command(name = "api-key", description = "Create or revoke API keys (not built yet).")
  static final class ApiKey extends NotBuiltYet {}
}
