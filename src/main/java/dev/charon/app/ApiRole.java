package dev.charon.app;

import dev.charon.api.Access;
import dev.charon.api.HttpApi;
import dev.charon.api.Json;
import dev.charon.api.OpenApiRoutes;
import dev.charon.api.Writes;
import dev.charon.audit.AuditRoutes;
import dev.charon.auth.ApiKeyAccess;
import dev.charon.auth.ApiKeys;
import dev.charon.auth.AuthSettings;
import dev.charon.auth.WhoAmIRoutes;
import dev.charon.billing.BillingRunRoutes;
import dev.charon.billing.BillingRuns;
import dev.charon.billing.BillingSettings;
import dev.charon.clock.ClockMode;
import dev.charon.clock.TestClockRoutes;
import dev.charon.config.Env;
import dev.charon.config.HttpSettings;
import dev.charon.console.ConsoleRoutes;
import dev.charon.credit.CreditNotes;
import dev.charon.credit.CreditRoutes;
import dev.charon.customer.CustomerRepository;
import dev.charon.customer.CustomerRoutes;
import dev.charon.customer.PaymentMethodRoutes;
import dev.charon.customer.PaymentMethods;
import dev.charon.events.EventFeed;
import dev.charon.events.EventRoutes;
import dev.charon.invoice.CollectionRoutes;
import dev.charon.invoice.CollectionStats;
import dev.charon.invoice.InvoiceRepository;
import dev.charon.invoice.InvoiceRoutes;
import dev.charon.invoice.InvoiceWrites;
import dev.charon.refund.DisputeRoutes;
import dev.charon.refund.Disputes;
import dev.charon.refund.RefundRoutes;
import dev.charon.refund.Refunds;
import dev.charon.subscription.SubscriptionRoutes;
import dev.charon.subscription.Subscriptions;
import dev.charon.webhooks.UrlGuard;
import dev.charon.webhooks.WebhookRoutes;
import dev.charon.webhooks.WebhookSettings;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/** Wires the REST API over a database: the part of {@code server} and {@code demo} that serves. */
public final class ApiRole {
  private ApiRole() {}

  /**
   * Where the API listens, which paths are open, the billing zone and batch size, and webhook
   * settings.
   */
  public record Settings(
      HttpSettings http, AuthSettings auth, BillingSettings billing, WebhookSettings webhooks) {
    /** Without webhook settings: endpoints cannot be created (no key to seal their secrets). */
    public Settings(HttpSettings http, AuthSettings auth, BillingSettings billing) {
      this(http, auth, billing, WebhookSettings.from(new Env(java.util.Map.of())));
    }

    public static Settings from(Env env) {
      return new Settings(
          HttpSettings.from(env),
          AuthSettings.from(env),
          BillingSettings.from(env),
          WebhookSettings.from(env));
    }

    public Settings withPort(int port) {
      return new Settings(http.withPort(port), auth, billing, webhooks);
    }

    public Settings withWebhooks(WebhookSettings newWebhooks) {
      return new Settings(http, auth, billing, newWebhooks);
    }
  }

  /**
   * The REST API, the operator console and {@code extra} modules (ops endpoints) on one port,
   * behind API keys.
   */
  public static HttpApi start(
      Jdbi jdbi,
      Settings settings,
      ClockMode mode,
      MeterRegistry metrics,
      HttpApi.Module... extra) {
    var clock = mode.clock();
    var json = Json.mapper();
    var writes = new Writes(jdbi, json, clock, metrics);
    var runs = BillingRuns.of(jdbi, clock, settings.billing(), metrics);
    var modules =
        new ArrayList<HttpApi.Module>(
            List.of(
                new CustomerRoutes(new CustomerRepository(jdbi), writes),
                new PaymentMethodRoutes(new PaymentMethods(jdbi, clock, metrics), writes),
                new SubscriptionRoutes(new Subscriptions(jdbi, clock, metrics), writes),
                // With a webhook key every server delivers webhooks, so an advance waits for the
                // deliveries (and retries) that come due too.
                new TestClockRoutes(
                    mode.controls(
                        jdbi,
                        runs,
                        settings.billing().zone(),
                        settings.webhooks().key().map(k -> settings.webhooks().timeout())),
                    clock),
                new InvoiceRoutes(
                    new InvoiceRepository(jdbi),
                    new InvoiceWrites(clock, metrics),
                    writes,
                    clock,
                    settings.billing().zone()),
                new RefundRoutes(new Refunds(jdbi, metrics), new InvoiceRepository(jdbi), writes),
                new DisputeRoutes(new Disputes(jdbi), new InvoiceRepository(jdbi)),
                new CreditRoutes(
                    new CreditNotes(jdbi, metrics),
                    new InvoiceRepository(jdbi),
                    new CustomerRepository(jdbi),
                    writes),
                new BillingRunRoutes(runs, writes, clock),
                new CollectionRoutes(
                    new CollectionStats(jdbi, runs.tallies()), clock, settings.billing().zone()),
                new EventRoutes(new EventFeed(jdbi, json)),
                new WebhookRoutes(
                    jdbi,
                    settings.webhooks(),
                    new UrlGuard(settings.webhooks().allowPrivate()),
                    writes,
                    clock),
                new WhoAmIRoutes(),
                new AuditRoutes(jdbi, json),
                new OpenApiRoutes(),
                new ConsoleRoutes()));
    modules.addAll(List.of(extra));
    return HttpApi.start(
        settings.http().host(),
        settings.http().port(),
        json,
        access(jdbi, settings.auth(), clock, metrics),
        modules);
  }

  /** API keys checked against this database; every role that serves HTTP uses the same rules. */
  public static Access access(Jdbi jdbi, AuthSettings auth, Clock clock, MeterRegistry metrics) {
    return new ApiKeyAccess(new ApiKeys(jdbi, clock), auth, metrics);
  }
}
