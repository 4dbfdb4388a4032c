package dev.charon.cli;

import dev.charon.config.ConfigException;
import dev.charon.config.Env;
import dev.charon.db.DatabaseException;
import dev.charon.ops.LogFormat;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code charon} command line: one jar, one sub-command per process role. */
@Command(
    name = "charon",
    mixinStandardHelpOptions = true,
    scope =
        CommandLine.ScopeType
            .INHERIT, // --help and --version on every role, e.g. `charon seed --help`
    version = "charon 0.1.0",
    description = "Charges recurring subscription invoices exactly once, at any scale.",
    subcommands = {
      DemoCommand.class,
      ServerCommand.class,
      WorkerCommand.class,
      BillCommand.class,
      GatewayCommand.class,
      MigrateCommand.class,
      SeedCommand.class,
      SimulateCommand.class,
      AuditCommand.class,
      ApiKeyCommand.class,
      WebhookReceiverCommand.class,
      WatchEventsCommand.class,
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.err);
    throw new CommandLine.ParameterException(spec.commandLine(), "name a role to run");
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  public static CommandLine commandLine() {
    return commandLine(Env.system());
  }

  /**
   * {@code env}: what every role's shared settings (the log format) are checked against before it
   * runs.
   */
  static CommandLine commandLine(Env env) {
    return new CommandLine(new Main())
        .setExecutionStrategy(
            parsed -> {
              // logback.xml reads CHARON_LOG_FORMAT itself and cannot refuse to start; this does.
              try {
                LogFormat.from(env);
              } catch (ConfigException e) {
                throw new CommandLine.ExecutionException(
                    parsed.asCommandLineList().getLast(), e.getMessage(), e);
              }
              return new CommandLine.RunLast().execute(parsed);
            })
        .setExecutionExceptionHandler(
            (e, cmd, parsed) -> {
              // Bad settings and an unreachable database are the user's to fix: one clear line.
              if (e instanceof ConfigException || e instanceof DatabaseException) {
                cmd.getErr().println("charon " + cmd.getCommandName() + ": " + e.getMessage());
                return 2;
              }
              throw e;
            });
  }
}
