package dev.charon.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.billing.DueInvoices;
import dev.charon.charging.ChargeEngine;
import dev.charon.money.Currency;
import dev.charon.payment.stripe.StripeApi;
import dev.charon.payment.stripe.StripePaymentProvider;
import dev.charon.payment.stripe.StripeSettings;
import dev.charon.refund.ProviderFacts;
import dev.charon.testing.ChargeFixtures;
import dev.charon.testing.Fixtures;
import dev.charon.testing.Http;
import dev.charon.testing.MutableClock;
import dev.charon.testing.StripeDouble;
import dev.charon.testing.StripeEvents;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 28 end to end on PostgreSQL: the real engine charges through the PaymentIntents adapter
 * against {@link StripeDouble} (Stripe's own example objects), and Stripe's later events come in
 * signed through the real intake, applied by {@link PaymentIntentSettler}.
 */
class PaymentIntentSettlementTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();

  static final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  static StripeDouble stripe;
  static ProviderEventApplier applier;
  static TestApi api;
  static StripePaymentProvider provider;

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-01T00:00:00Z"));
  private final Fixtures fixtures = new Fixtures(db.jdbi());
  private ChargeEngine engine;

  @BeforeAll
  static void start() {
    stripe = StripeDouble.start();
    provider = new StripePaymentProvider(settings(), metrics);
    var events = new ProviderEvents(db.jdbi());
    applier =
        new ProviderEventApplier(
            events,
            new ProviderFacts(db.jdbi(), Clock.systemUTC(), metrics),
            new PaymentIntentSettler(db.jdbi(), metrics),
            Clock.systemUTC(),
            metrics);
    api =
        TestApi.start(
            db.jdbi(),
            Clock.systemUTC(),
            new ProviderEventRoutes(
                events,
                applier,
                new ProviderEventSettings(Optional.of(StripeEvents.SECRET), Optional.empty()),
                metrics),
            new PaymentIntentRoutes(
                db.jdbi(), new dev.charon.payment.stripe.PaymentIntentLookup(settings()), metrics));
  }

  private static StripeSettings settings() {
    return new StripeSettings(
        "sk_test_double",
        URI.create(stripe.url()),
        Duration.ofSeconds(2),
        Duration.ofSeconds(5),
        StripeApi.PAYMENT_INTENTS);
  }

  @AfterAll
  static void stop() {
    api.close();
    applier.close();
    stripe.close();
  }

  @BeforeEach
  void engine() {
    engine =
        new ChargeEngine(
            db.jdbi(),
            provider,
            ChargeFixtures.policy(),
            ChargeFixtures.breaker(clock),
            clock,
            "test-worker",
            new SimpleMeterRegistry());
  }

  @Test
  void
      authentication_required_parks_the_invoice_for_the_customer_and_a_later_succeeded_event_pays_it_once() {
    long invoice =
        enqueuedInvoice(stripe.customer("pm_card_3ds", new StripeDouble.RequiresAction()));

    charge(invoice);

    assertThat(value("select status from invoice where id = " + invoice))
        .isEqualTo("ACTION_REQUIRED");
    assertThat(value("select next_attempt_at::text from invoice where id = " + invoice)).isNull();
    var attempt = attempt(invoice);
    assertThat(attempt)
        .containsEntry("outcome", "DECLINED")
        .containsEntry("decline_code", "authentication_required");
    var intent = (String) attempt.get("provider_reference");
    assertThat(intent).startsWith("pi_double");
    // invoice.action_required carries the intent (never its client secret).
    var event =
        value(
            "select data::text from event_outbox where type = 'invoice.action_required' and subject = 'invoices/"
                + invoice
                + "'");
    assertThat(event)
        .contains("\"paymentIntentId\": \"" + intent + "\"")
        .contains("\"declineCode\": \"authentication_required\"")
        .doesNotContain("secret");
    // Dunning never takes it up: a year of retry polls enqueues nothing, Stripe is asked once.
    var due = new DueInvoices(db.jdbi(), true);
    for (int day = 1; day <= 365; day += 7) {
      clock.set(Instant.parse("2026-11-01T00:00:00Z").plus(Duration.ofDays(day)));
      assertThat(due.enqueueRetries(clock.instant(), 100)).isZero();
    }
    assertThat(
            stripe.creates().stream()
                .filter(c -> c.get("metadata[charon_invoice_id]").equals(Long.toString(invoice))))
        .hasSize(1);

    // The customer authenticates; Stripe tells, redelivers, and tells again in another event.
    var succeeded = stripe.succeed(intent);
    var first = StripeEvents.eventId();
    var body = StripeEvents.event(first, "payment_intent.succeeded", succeeded);
    deliver(body);
    deliver(body);
    var second = StripeEvents.eventId();
    deliver(StripeEvents.event(second, "payment_intent.succeeded", succeeded));
    awaitSettled(first);
    awaitSettled(second);

    assertThat(value("select status from invoice where id = " + invoice)).isEqualTo("PAID");
    assertThat(attempt(invoice))
        .containsEntry("outcome", "CHARGED")
        .containsEntry("provider_reference", intent);
    assertThat(
            value(
                "select count(*)::text from event_outbox where type = 'invoice.paid' and subject = 'invoices/"
                    + invoice
                    + "'"))
        .isEqualTo("1");
    assertThat(
            value(
                "select actor || ' ' || old_status || '->' || new_status from invoice_history where invoice_id = "
                    + invoice
                    + " order by id desc limit 1"))
        .isEqualTo("provider ACTION_REQUIRED->PAID");
    assertThat(eventStatus(first)).isEqualTo("APPLIED");
    assertThat(eventOutcome(second)).startsWith("already recorded");
    assertThat(
            metrics
                .counter(
                    "charon.payment_intents.settled",
                    "type",
                    "payment_intent.succeeded",
                    "result",
                    "applied")
                .count())
        .isGreaterThanOrEqualTo(2);
  }

  @Test
  void an_operator_reads_the_waiting_intents_client_secret_from_stripe_and_nothing_logs_it() {
    long invoice =
        enqueuedInvoice(stripe.customer("pm_card_3ds", new StripeDouble.RequiresAction()));
    charge(invoice);
    var intent = (String) attempt(invoice).get("provider_reference");
    var path = "/rest/v1/invoices/" + invoice + "/payment-intent";

    Http.Response answer;
    try (var logs = new dev.charon.testing.CapturedLogs(PaymentIntentRoutes.class)) {
      answer = api.operator().get(path);
      assertThat(logs.events())
          .isNotEmpty()
          .allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain("secret_double"));
    }

    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(answer.header("Cache-Control")).isEqualTo("no-store");
    assertThat(answer.json().path("paymentIntentId").asText()).isEqualTo(intent);
    assertThat(answer.json().path("status").asText()).isEqualTo("requires_action");
    assertThat(answer.json().path("nextAction").asText()).isEqualTo("use_stripe_sdk");
    assertThat(answer.json().path("declineCode").asText()).isEqualTo("authentication_required");
    assertThat(answer.json().path("clientSecret").asText()).isEqualTo(intent + "_secret_double");
    assertThat(api.reader().get(path).status()).as("a reader key").isEqualTo(403);
    assertThat(
            value(
                "select count(*)::text from event_outbox where data::text like '%secret_double%'"))
        .isEqualTo("0");

    var paid = StripeEvents.eventId();
    deliver(StripeEvents.event(paid, "payment_intent.succeeded", stripe.succeed(intent)));
    awaitSettled(paid);
    assertThat(api.operator().get(path).status()).as("no longer waiting").isEqualTo(409);
  }

  @Test
  void a_failed_authentication_keeps_the_invoice_waiting_for_the_customer() {
    long invoice =
        enqueuedInvoice(stripe.customer("pm_card_3ds", new StripeDouble.RequiresAction()));
    charge(invoice);
    var intent = (String) attempt(invoice).get("provider_reference");

    var id = StripeEvents.eventId();
    deliver(
        StripeEvents.event(
            id, "payment_intent.payment_failed", stripe.fail(intent, "authentication_required")));
    awaitSettled(id);

    assertThat(eventStatus(id)).isEqualTo("APPLIED");
    assertThat(value("select status from invoice where id = " + invoice))
        .isEqualTo("ACTION_REQUIRED");
    assertThat(attempt(invoice)).containsEntry("outcome", "DECLINED");
  }

  @Test
  void a_mastercard_decline_with_advice_code_03_is_stored_and_never_retried() {
    long invoice =
        enqueuedInvoice(
            stripe.customer(
                "pm_card_mastercard",
                new StripeDouble.Declines("do_not_honor", "mastercard", null, "03", "05")));

    charge(invoice);

    assertThat(attempt(invoice))
        .containsEntry("outcome", "DECLINED")
        .containsEntry("decline_code", "do_not_honor")
        .containsEntry("card_brand", "mastercard")
        .containsEntry("network_advice_code", "03")
        .containsEntry("network_decline_code", "05");
    assertThat(value("select status from invoice where id = " + invoice))
        .isEqualTo("ACTION_REQUIRED");
    assertThat(value("select status_reason from invoice where id = " + invoice))
        .contains("card network rules forbid a retry")
        .contains("advice code 03");
    var due = new DueInvoices(db.jdbi(), true);
    for (int day = 1; day <= 60; day++) {
      clock.set(Instant.parse("2026-11-01T00:00:00Z").plus(Duration.ofDays(day)));
      assertThat(due.enqueueRetries(clock.instant(), 100)).isZero();
    }
    // The API's attempt view shows what the network said.
    var view = api.reader().get("/rest/v1/invoices/" + invoice + "/attempts");
    assertThat(view.status()).as(view.body()).isEqualTo(200);
    assertThat(view.json().get(0).path("cardBrand").asText()).isEqualTo("mastercard");
    assertThat(view.json().get(0).path("networkAdviceCode").asText()).isEqualTo("03");
    assertThat(view.json().get(0).path("networkDeclineCode").asText()).isEqualTo("05");
    assertThat(view.json().get(0).path("adviceCode").isNull()).isTrue();
  }

  @Test
  void an_intent_that_succeeds_on_an_invoice_paid_by_another_charge_is_kept_for_an_operator() {
    long invoice =
        enqueuedInvoice(stripe.customer("pm_card_3ds", new StripeDouble.RequiresAction()));
    charge(invoice);
    var intent = (String) attempt(invoice).get("provider_reference");
    // Meanwhile the invoice was paid another way (a retry on a new card).
    db.jdbi()
        .useHandle(
            h -> {
              h.execute(
                  "insert into charge_attempt (invoice_id, attempt_no, idempotency_key, amount_minor, currency,"
                      + " outcome, provider_reference, worker, calls, completed_at)"
                      + " values (?, 2, ?, 4200, 'EUR', 'CHARGED', 'pi_other', 'test', 1, now())",
                  invoice,
                  "inv" + invoice + "-att2-other");
              h.execute(
                  "update invoice set status = 'PAID', paid_at = now(), status_reason = 'test', status_actor = 'test' where id = ?",
                  invoice);
            });

    var id = StripeEvents.eventId();
    deliver(StripeEvents.event(id, "payment_intent.succeeded", stripe.succeed(intent)));
    awaitSettled(id);

    assertThat(eventStatus(id)).isEqualTo("UNMATCHED");
    assertThat(eventOutcome(id)).contains("charged twice");
    assertThat(attempt(invoice)).containsEntry("outcome", "DECLINED");
  }

  private void charge(long invoice) {
    var opened = engine.open(List.of(invoice));
    assertThat(opened.attempts()).hasSize(1);
    engine.record(List.of(engine.call(opened.attempts().getFirst())));
  }

  private long enqueuedInvoice(String stripeCustomer) {
    long customer = fixtures.customer(Currency.EUR);
    db.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "update customer set provider_reference = ? where id = ?",
                    stripeCustomer,
                    customer));
    long id =
        fixtures
            .invoice()
            .forCustomer(customer)
            .amount(4_200)
            .period(YearMonth.of(2026, 11))
            .create();
    db.jdbi()
        .useHandle(
            h -> {
              h.execute(
                  "update invoice set status = 'PROCESSING', status_reason = 'enqueued', charge_available_at = charon_now() where id = ?",
                  id);
              h.execute("insert into charge_request (invoice_id) values (?)", id);
            });
    return id;
  }

  private static Map<String, Object> attempt(long invoice) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "select * from charge_attempt where invoice_id = :id order by attempt_no limit 1")
                    .bind("id", invoice)
                    .mapToMap()
                    .one());
  }

  private static String value(String sql) {
    return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(String.class).findOne().orElse(null));
  }

  private static Http.Response deliver(String body) {
    var answer =
        api.anonymous()
            .withHeader("Stripe-Signature", StripeEvents.signature(body))
            .post(ProviderEventRoutes.STRIPE_PATH, body);
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    return answer;
  }

  private static void awaitSettled(String eventId) {
    await().atMost(Duration.ofSeconds(10)).until(() -> !"RECEIVED".equals(eventStatus(eventId)));
  }

  private static String eventStatus(String eventId) {
    return value("select status from provider_event where event_id = '" + eventId + "'");
  }

  private static String eventOutcome(String eventId) {
    return value("select outcome from provider_event where event_id = '" + eventId + "'");
  }
}
