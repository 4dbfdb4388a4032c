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

  @Command(name = "api-key", description = "Create or revoke API keys (not built yet).")
  static final class ApiKey extends NotBuiltYet {}
}
