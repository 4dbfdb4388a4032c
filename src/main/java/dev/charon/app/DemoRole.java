package dev.charon.app;

import dev.charon.auth.ApiKeys;
import dev.charon.auth.Role;
import dev.charon.charging.ChargingSettings;
import dev.charon.clock.ClockMode;
import dev.charon.config.Env;
import dev.charon.db.Database;
import dev.charon.db.EmbeddedDatabase;
import dev.charon.payment.PaymentProviders;
import dev.charon.payment.PaymentSettings;
import dev.charon.ratelimit.RateLimitSettings;
import dev.charon.ratelimit.RateLimitedProvider;
import dev.charon.seed.Seeder;
import dev.charon.webhooks.WebhookSettings;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;

/**
 * The {@code demo} role: a server ({@link ServerRole#serve}) and an in-process charge worker
 * ({@link WorkerRole}) over one database (embedded by default), seeded when empty, with an operator
 * key, webhooks on, an optional local webhook receiver, and this period's run started at once.
 */
public final class DemoRole implements AutoCloseable {
  private final Started started;
  private final ServerRole server;
  private final Clock clock;
  private final String operatorKey;
  private final PrintWriter out;
  private volatile boolean stopping;

  private DemoRole(
      Started started, ServerRole server, Clock clock, String operatorKey, PrintWriter out) {
    this.started = started;
    this.server = server;
    this.clock = clock;
    this.operatorKey = operatorKey;
    this.out = out;
  }

  /**
   * The server's settings, the worker's, and whether {@code CHARON_WEBHOOKS_ALLOW_PRIVATE} was set
   * (else the demo allows private addresses, its receiver being local).
   */
  public record Settings(
      ServerRole.Settings server,
      ChargingSettings charging,
      PaymentSettings payment,
      RateLimitSettings rateLimit,
      boolean allowPrivateSet,
      boolean webhookReceiver) {

    public static Settings from(Env env) {
      return new Settings(
          ServerRole.Settings.from(env),
          ChargingSettings.from(env),
          PaymentSettings.from(env),
          RateLimitSettings.from(env),
          env.optional(WebhookSettings.ALLOW_PRIVATE).isPresent(),
          false);
    }

    public Settings withPort(int port) {
      return new Settings(
          server.withApi(server.api().withPort(port)),
          charging,
          payment,
          rateLimit,
          allowPrivateSet,
          webhookReceiver);
    }

    public Settings withWebhookReceiver(boolean on) {
      return new Settings(server, charging, payment, rateLimit, allowPrivateSet, on);
    }
  }

  /**
   * Starts everything, printing the data directory and what was seeded to {@code out}. Real time
   * always: the demo runs on a database of its own and does not read {@code CHARON_TEST_CLOCK};
   * months in seconds are {@code charon simulate} or a test-clock server.
   */
  public static DemoRole start(
      Settings settings, PrometheusMeterRegistry metrics, PrintWriter out) {
    var database = settings.server().database();
    var http = settings.server().api().http();
    // A second demo: the data directory it would share, then the port, each in one line.
    if (database.embedded()) {
      EmbeddedDatabase.requireUnused(database.embeddedDataDir());
    }
    Ports.requireFree(http.host(), http.port(), "--port or CHARON_HTTP_PORT");
    var started = new Started("demo");
    try {
      var db = started.add("database", Database.open(database, "demo"));
      db.embedded()
          .ifPresent(e -> out.println("embedded PostgreSQL data directory: " + e.dataDir()));
      db.migrate();
      var clock = Clock.systemUTC();
      seedIfEmpty(db, clock, out);
      var charging = settings.charging();
      var provider =
          RateLimitedProvider.wrap(
              PaymentProviders.create(settings.payment(), clock, metrics, charging.concurrency()),
              settings.rateLimit(),
              db.jdbi(),
              metrics);
      var queue = settings.server().queue();
      started.add(
          "charge worker",
          Brokered.start(
              queue.amqp(), () -> WorkerRole.start(db, queue, charging, provider, clock, metrics)));
      var webhooks =
          DemoWebhooks.settings(
              settings.server().api().webhooks(),
              db.embedded().map(EmbeddedDatabase::dataDir),
              settings.allowPrivateSet());
      var serverSettings =
          settings.server().withApi(settings.server().api().withWebhooks(webhooks));
      var server = ServerRole.serve(started, db, serverSettings, ClockMode.real(clock), metrics);
      if (settings.webhookReceiver()) {
        started.add(
            "webhook receiver",
            DemoWebhooks.startReceiver(db.jdbi(), webhooks.box().orElseThrow(), clock));
      }
      var key =
          new ApiKeys(db.jdbi(), clock).create(Role.OPERATOR, "demo-operator-" + clock.millis());
      return new DemoRole(started, server, clock, key.secret(), out);
    } catch (RuntimeException e) {
      started.close();
      throw e;
    }
  }

  public int port() {
    return server.port();
  }

  /** Shown once: only its hash is stored. */
  public String operatorKey() {
    return operatorKey;
  }

  /**
   * Starts (or resumes) this period's run and prints its progress until it finishes; stopping the
   * demo stops the display first.
   */
  public void billCurrentPeriod() {
    var runs = server.runs();
    var display =
        Thread.ofPlatform()
            .daemon(true)
            .name("demo-billing")
            .start(
                () -> {
                  try {
                    RunFollow.startAndFollow(
                        runs,
                        runs.currentPeriod(),
                        "demo",
                        "charging in-process",
                        new BillProgress(out, false),
                        out,
                        null,
                        Duration.ofSeconds(1),
                        clock);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  } catch (RuntimeException e) {
                    if (!stopping) { // the next start resumes the run
                      out.println("demo billing run stopped: " + e.getMessage());
                    }
                  }
                });
    started.onStop(
        "billing run display",
        () -> {
          stopping = true;
          display.interrupt();
          display.join(Duration.ofSeconds(5));
        });
  }

  /** Stops the run display, API, relays, scheduler and worker, then the database. */
  @Override
  public void close() {
    stopping = true;
    started.close();
  }

  private static void seedIfEmpty(Database db, Clock clock, PrintWriter out) {
    boolean empty =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery("select not exists (select 1 from customer)")
                        .mapTo(Boolean.class)
                        .one());
    if (empty) {
      var result = new Seeder(db.jdbi(), clock).seed(100, 10, 0.42);
      out.printf(
          "seeded %d customers and %d invoices (%d due)%n",
          result.customers(), result.invoices(), result.pending());
    }
  }
}
