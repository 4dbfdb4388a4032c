package dev.charon.app;

import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import dev.charon.api.HttpApi;
import dev.charon.api.Json;
import dev.charon.audit.AuditSettings;
import dev.charon.audit.StandingAudit;
import dev.charon.billing.BillingRuns;
import dev.charon.billing.BillingScheduler;
import dev.charon.charging.ChargingSettings;
import dev.charon.clock.ClockMode;
import dev.charon.clock.TestClockSettings;
import dev.charon.config.DatabaseSettings;
import dev.charon.config.Env;
import dev.charon.db.Database;
import dev.charon.ops.OpsRoutes;
import dev.charon.payment.PaymentSettings;
import dev.charon.payment.stripe.PaymentIntentLookup;
import dev.charon.provider.PaymentIntentRoutes;
import dev.charon.provider.PaymentIntentSettlement;
import dev.charon.provider.PaymentIntentSettler;
import dev.charon.provider.ProviderEventApplier;
import dev.charon.provider.ProviderEventRoutes;
import dev.charon.provider.ProviderEventSettings;
import dev.charon.provider.ProviderEvents;
import dev.charon.provider.StripeBackstop;
import dev.charon.queue.EventRelay;
import dev.charon.queue.OutboxRelay;
import dev.charon.queue.QueueSettings;
import dev.charon.refund.GatewayBackstop;
import dev.charon.refund.ProviderFacts;
import dev.charon.webhooks.UrlGuard;
import dev.charon.webhooks.WebhookDispatcher;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code server} role: the REST API, the billing scheduler, webhook delivery and, with {@code
 * CHARON_QUEUE=rabbitmq}, the outbox and event relays. {@code demo} serves through the same parts
 * ({@link #serve}), so what a server starts a demo starts too.
 */
public final class ServerRole implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServerRole.class);
  private final Started started;
  private final HttpApi api;
  private final BillingRuns runs;
  private final boolean deliversWebhooks;

  private ServerRole(Started started, HttpApi api, BillingRuns runs, boolean deliversWebhooks) {
    this.started = started;
    this.api = api;
    this.runs = runs;
    this.deliversWebhooks = deliversWebhooks;
  }

  /** Everything a server reads from the environment, read before it starts anything. */
  public record Settings(
      DatabaseSettings database,
      TestClockSettings testClock,
      ApiRole.Settings api,
      QueueSettings queue,
      String eventsExchange,
      Optional<URI> gatewayLedger,
      AuditSettings audit,
      PaymentSettings payment,
      ChargingSettings charging,
      ProviderEventSettings providerEvents) {

    public static Settings from(Env env) {
      return new Settings(
          DatabaseSettings.from(env),
          TestClockSettings.from(env),
          ApiRole.Settings.from(env),
          QueueSettings.from(env),
          env.string("CHARON_EVENTS_EXCHANGE", "charon.events"),
          // The provider backstop reads the gateway's ledgers (PaymentSettings validates the URL
          // where the provider is built; the server only reads from it).
          env.optional("CHARON_GATEWAY_URL")
              .map(url -> URI.create(url.endsWith("/") ? url : url + "/")),
          AuditSettings.from(env),
          PaymentSettings.from(env),
          ChargingSettings.from(env),
          ProviderEventSettings.from(env));
    }

    public Settings withApi(ApiRole.Settings newApi) {
      return new Settings(
          database,
          testClock,
          newApi,
          queue,
          eventsExchange,
          gatewayLedger,
          audit,
          payment,
          charging,
          providerEvents);
    }
  }

  /** Opens and migrates the database, then serves on it; closing stops all and the database. */
  public static ServerRole start(Settings settings, PrometheusMeterRegistry metrics) {
    var http = settings.api().http();
    Ports.requireFree(http.host(), http.port(), "--port or CHARON_HTTP_PORT");
    var started = new Started("server");
    try {
      var db = started.add("database", Database.open(settings.database(), "server"));
      db.migrate();
      return serve(started, db, settings, ClockMode.of(db.jdbi(), settings.testClock()), metrics);
    } catch (RuntimeException e) {
      started.close();
      throw e;
    }
  }

  /**
   * The serving parts over an open, migrated database, added to {@code started} in the order they
   * start: billing scheduler, relays, webhook dispatcher (when a key can open endpoint secrets),
   * REST API with the ops endpoints. A broker that cannot be reached stops the start with a message
   * naming {@code CHARON_AMQP_URL}.
   */
  static ServerRole serve(
      Started started,
      Database db,
      Settings settings,
      ClockMode mode,
      PrometheusMeterRegistry metrics) {
    var clock = mode.clock();
    var api = settings.api();
    var runs =
        BillingRuns.of(
            db.jdbi(),
            clock,
            api.billing(),
            metrics,
            settings.queue().transport() == QueueSettings.Transport.RABBITMQ);
    var backstop =
        settings.gatewayLedger().map(url -> new GatewayBackstop(db.jdbi(), url, clock, metrics));
    var stripeBackstop =
        settings.payment().stripe().map(s -> new StripeBackstop(db.jdbi(), s, clock, metrics));
    // The provider's events (issue 24): stored by the API, applied right after and by maintenance.
    // Issue 28: payment_intent.succeeded / payment_failed settle the payment a PaymentIntent left
    // waiting (an invoice parked for the customer's authentication, an intent processing).
    PaymentIntentSettlement settlement = new PaymentIntentSettler(db.jdbi(), metrics);
    var providerEvents = new ProviderEvents(db.jdbi());
    var applier =
        started.add(
            "provider event applier",
            new ProviderEventApplier(
                providerEvents,
                new ProviderFacts(db.jdbi(), clock, metrics),
                settlement,
                clock,
                metrics));
    // The standing audit rides on the billing scheduler: one server of the cluster runs each time.
    var audit =
        StandingAudit.forProvider(
            db.jdbi(), settings.payment(), clock, WorkerRole.workerName(), metrics);
    if (audit.isEmpty()) {
      log.info(
          "standing audit off: no provider ledger (set CHARON_GATEWAY_URL or CHARON_PROVIDER=stripe)");
    }
    var scheduler =
        new BillingScheduler(
                db.dataSource(),
                runs,
                api.billing(),
                clock,
                mode.frozen(),
                BillingScheduler.defaultName(),
                audit
                    .<List<RecurringTask<?>>>map(a -> List.of(a.task(settings.audit())))
                    .orElse(List.of()))
            // Refunds and disputes made at the gateway without Charon (docs/architecture.md).
            .alsoMaintaining("provider events", applier::runOnce)
            .alsoMaintaining(
                "provider backstop", () -> backstop.ifPresent(GatewayBackstop::runOnce))
            .alsoMaintaining(
                "Stripe backstop", () -> stripeBackstop.ifPresent(StripeBackstop::runOnce));
    // Issue 27: the provider's charges the database forgot are adopted first in every maintenance
    // run, and after a promotion or restore before any worker charges again.
    dev.charon.reconcile.Reconciliation.forProvider(
            settings.payment(), db.jdbi(), dev.charon.reconcile.Reconciliation.GRACE, metrics)
        .ifPresentOrElse(
            r -> scheduler.reconcilingFirst(r::run),
            () ->
                log.info(
                    "provider adoption off: no provider ledger (set CHARON_GATEWAY_URL or"
                        + " CHARON_PROVIDER=stripe)"));
    scheduler.start();
    ServerGauges.register(db.jdbi(), settings.charging(), metrics);
    // Waits for a running producer to reach a batch boundary.
    started.onStop("billing scheduler", scheduler::stop);
    var readiness = new LinkedHashMap<String, BooleanSupplier>();
    readiness.put("database", db::isReachable);
    readiness.put("scheduler", scheduler::running);
    // With RabbitMQ the server relays the charge-request outbox to the broker; with PostgreSQL
    // workers claim the outbox rows directly.
    var amqp = settings.queue().amqp();
    if (amqp != null) {
      var relay =
          started.add(
              "outbox relay",
              Brokered.start(
                  amqp,
                  () ->
                      new OutboxRelay(db.jdbi(), amqp, "relay-" + WorkerRole.workerName(), metrics)
                          .start()));
      readiness.put("broker", relay::connected);
      started.add(
          "event relay",
          Brokered.start(
              amqp,
              () ->
                  new EventRelay(
                          db.jdbi(),
                          amqp,
                          settings.eventsExchange(),
                          "events-" + WorkerRole.workerName(),
                          Json.mapper(),
                          metrics)
                      .start()));
    }
    // Webhooks go out from every server (cluster-safe) once a key can open their secrets.
    var webhooks = api.webhooks();
    boolean delivers = webhooks.key().isPresent();
    if (delivers) {
      started.add(
          "webhook dispatcher",
          new WebhookDispatcher(
                  db.jdbi(),
                  webhooks,
                  new UrlGuard(webhooks.allowPrivate()),
                  clock,
                  Clock.systemUTC(), // the signature's timestamp: receivers' replay check
                  new Random(),
                  "webhooks-" + WorkerRole.workerName(),
                  metrics)
              .start());
    }
    var modules =
        new java.util.ArrayList<dev.charon.api.HttpApi.Module>(
            List.of(
                new OpsRoutes(metrics, readiness),
                new ProviderEventRoutes(
                    providerEvents, applier, settings.providerEvents(), metrics)));
    // Issue 28: the customer's part of SCA, a waiting PaymentIntent's client secret on demand.
    settings
        .payment()
        .stripe()
        .ifPresent(
            s ->
                modules.add(
                    new PaymentIntentRoutes(db.jdbi(), new PaymentIntentLookup(s), metrics)));
    var http =
        started.add(
            "API",
            ApiRole.start(
                db.jdbi(),
                api,
                mode,
                metrics,
                modules.toArray(dev.charon.api.HttpApi.Module[]::new)));
    return new ServerRole(started, http, runs, delivers);
  }

  public int port() {
    return api.port();
  }

  public BillingRuns runs() {
    return runs;
  }

  /** False without {@code CHARON_WEBHOOKS_KEY}: endpoints cannot be registered nor delivered to. */
  public boolean deliversWebhooks() {
    return deliversWebhooks;
  }

  /** Stops the API first and the database last. */
  @Override
  public void close() {
    started.close();
  }
}
