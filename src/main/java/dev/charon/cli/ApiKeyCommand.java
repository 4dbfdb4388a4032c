package dev.charon.cli;

import dev.charon.auth.ApiKeys;
import dev.charon.auth.Role;
import dev.charon.config.DatabaseSettings;
import dev.charon.config.Env;
import dev.charon.db.Database;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code charon api-key create|revoke|list}: keys for the REST API, against CHARON_DB_URL. */
@Command(
    name = "api-key",
    description = "Create, revoke or list API keys (against CHARON_DB_URL).",
    subcommands = {
      ApiKeyCommand.Create.class,
      ApiKeyCommand.Revoke.class,
      ApiKeyCommand.ListKeys.class
    })
final class ApiKeyCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("charon api-key: say create, revoke or list (see --help)");
    return 2;
  }

  private static int withKeys(Function<ApiKeys, Integer> action) {
    var env = Env.system();
    var settings = DatabaseSettings.from(env);
    if (settings.url().isEmpty()) {
      System.err.println("charon api-key: set CHARON_DB_URL to the database the server uses");
      return 2;
    }
    try (var db = Database.open(settings, "api-key")) {
      db.migrate();
      // Real time: a key's creation and revocation are security records, not billing decisions.
      return action.apply(new ApiKeys(db.jdbi(), Clock.systemUTC()));
    }
  }

  @Command(name = "create", description = "Create a key and print its secret, once.")
  static final class Create implements Callable<Integer> {
    @Option(
        names = "--role",
        required = true,
        description = "reader (GETs) or operator (everything).")
    String role;

    @Option(
        names = "--name",
        required = true,
        description = "A unique name: who or what uses the key.")
    String name;

    @Override
    public Integer call() {
      var parsed = Role.parse(role);
      if (parsed.isEmpty()) {
        System.err.println(
            "charon api-key create: --role must be reader or operator, not '" + role + "'");
        return 2;
      }
      return withKeys(
          keys -> {
            try {
              var created = keys.create(parsed.get(), name);
              System.err.printf(
                  "created %s key '%s' (id %d); the secret below is shown once and stored only as a hash:%n",
                  created.key().role().label(), created.key().name(), created.key().id());
              System.out.println(created.secret());
              return 0;
            } catch (IllegalArgumentException e) {
              System.err.println("charon api-key create: " + e.getMessage());
              return 2;
            }
          });
    }
  }

  @Command(
      name = "revoke",
      description = "Revoke the key with this name; it stops working at once.")
  static final class Revoke implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "The key's name.")
    String name;

    @Override
    public Integer call() {
      return withKeys(
          keys -> {
            if (keys.revoke(name)) {
              System.out.println("revoked '" + name + "'");
              return 0;
            }
            System.err.println("charon api-key revoke: no live key named '" + name + "'");
            return 1;
          });
    }
  }

  @Command(name = "list", description = "List keys (names, roles, prefixes; never secrets).")
  static final class ListKeys implements Callable<Integer> {
    @Override
    public Integer call() {
      return withKeys(
          keys -> {
            System.out.printf(
                "%-6s %-30s %-9s %-12s %-25s %s%n",
                "id", "name", "role", "prefix", "created", "revoked");
            for (var key : keys.list()) {
              System.out.printf(
                  "%-6d %-30s %-9s %-12s %-25s %s%n",
                  key.id(),
                  key.name(),
                  key.role().label(),
                  key.prefix() + "…",
                  key.createdAt(),
                  key.revoked() ? key.revokedAt() : "");
            }
            return 0;
          });
    }
  }
}
