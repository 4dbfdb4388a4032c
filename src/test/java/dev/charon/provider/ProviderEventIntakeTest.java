package dev.charon.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.money.Currency;
import dev.charon.refund.ProviderFacts;
import dev.charon.testing.Fixtures;
import dev.charon.testing.Http;
import dev.charon.testing.StripeEvents;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Stripe's webhooks through the real API and PostgreSQL: stored once per event id and answered at
 * once, applied after, refused without a genuine fresh signature, and kept (not retried) when they
 * are about a charge Charon does not know.
 */
class ProviderEventIntakeTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();

  static final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  static final List<PaymentIntentSettlement.PaymentIntentEvent> settled =
      new CopyOnWriteArrayList<>();
  static ProviderEventApplier applier;
  static TestApi api;

  @BeforeAll
  static void start() {
    var clock = Clock.systemUTC();
    var events = new ProviderEvents(db.jdbi());
    applier =
        new ProviderEventApplier(
            events,
            new ProviderFacts(db.jdbi(), clock, metrics),
            e -> {
              settled.add(e);
              return EventOutcome.applied("settled by the test's hook", e.invoiceId().orElse(null));
            },
            clock,
            metrics);
    api =
        TestApi.start(
            db.jdbi(),
            clock,
            new ProviderEventRoutes(
                events,
                applier,
                new ProviderEventSettings(Optional.of(StripeEvents.SECRET), Optional.empty()),
                metrics));
  }

  @AfterAll
  static void stop() {
    api.close();
    applier.close();
  }

  @Test
  void a_stripe_event_delivered_three_times_is_applied_once() {
    var charge = "ch_" + System.nanoTime();
    long invoice = paidInvoice(charge, 20_00);
    var id = StripeEvents.eventId();
    var body =
        StripeEvents.event(
            id, "refund.created", StripeEvents.refund("re_" + id, charge, 5_00, "eur"));

    var answers = new ArrayList<Http.Response>();
    for (int i = 0; i < 3; i++) { // Stripe redelivers until it sees a 2xx, so 3 times is ordinary
      answers.add(deliver(body, StripeEvents.signature(body)));
    }

    assertThat(answers).allSatisfy(a -> assertThat(a.status()).as(a.body()).isEqualTo(200));
    assertThat(answers.stream().map(a -> a.json().path("duplicate").asBoolean()))
        .containsExactly(false, true, true);
    awaitSettled(id);
    assertThat(eventStatus(id)).isEqualTo("APPLIED");
    assertThat(count("select count(*) from provider_event where event_id = '" + id + "'"))
        .isEqualTo(1);
    assertThat(count("select count(*) from refund where invoice_id = " + invoice)).isEqualTo(1);
    assertThat(
            count(
                "select count(*) from refund where source = 'provider' and actor = 'provider'"
                    + " and invoice_id = "
                    + invoice))
        .isEqualTo(1);
    assertThat(count("select refunded_minor from invoice where id = " + invoice)).isEqualTo(5_00);
    assertThat(status(invoice)).isEqualTo("PARTIALLY_REFUNDED");
    assertThat(count("select count(*) from credit_note where invoice_id = " + invoice))
        .isEqualTo(1);
    assertThat(
            count(
                "select count(*) from invoice_history where actor = 'provider' and invoice_id = "
                    + invoice
                    + " and reason like '%a Stripe event%'"))
        .isEqualTo(1);
    // The same refund in another event (charge.refunded lists it) changes nothing either.
    var again = StripeEvents.eventId();
    var charged =
        "{\"id\":\"%s\",\"object\":\"charge\",\"refunds\":{\"data\":[%s]}}"
            .formatted(charge, StripeEvents.refund("re_" + id, charge, 5_00, "eur"));
    var second = StripeEvents.event(again, "charge.refunded", charged);
    assertThat(deliver(second, StripeEvents.signature(second)).status()).isEqualTo(200);
    awaitSettled(again);
    assertThat(count("select count(*) from refund where invoice_id = " + invoice)).isEqualTo(1);
    assertThat(
            metrics
                .counter(
                    "charon.provider.events.received", "provider", "stripe", "result", "duplicate")
                .count())
        .isGreaterThanOrEqualTo(2);
  }

  @Test
  void a_bad_signature_or_a_stale_timestamp_is_refused_and_changes_nothing() {
    var charge = "ch_" + System.nanoTime();
    long invoice = paidInvoice(charge, 20_00);
    var id = StripeEvents.eventId();
    var body =
        StripeEvents.event(
            id, "refund.created", StripeEvents.refund("re_" + id, charge, 5_00, "eur"));

    var wrongSecret =
        deliver(
            body,
            StripeEvents.signature(body, "whsec_someone_elses_secret_0123456", Instant.now()));
    var stale =
        deliver(
            body,
            StripeEvents.signature(
                body, StripeEvents.SECRET, Instant.now().minus(Duration.ofMinutes(6))));
    var tampered = deliver(body.replace("500", "5000"), StripeEvents.signature(body));
    var unsigned = api.anonymous().post(ProviderEventRoutes.STRIPE_PATH, body);

    for (var refused : List.of(wrongSecret, stale, tampered, unsigned)) {
      assertThat(refused.status()).as(refused.body()).isEqualTo(400);
      assertThat(refused.contentType()).startsWith("application/problem+json");
    }
    assertThat(stale.json().path("detail").asText()).containsIgnoringCase("tolerance");
    // No secret for the gateway's events here: refused, not stored.
    var unconfigured =
        api.anonymous()
            .withHeader("Stripe-Signature", StripeEvents.signature(body))
            .post(ProviderEventRoutes.GATEWAY_PATH, body);
    assertThat(unconfigured.status()).isEqualTo(503);
    assertThat(count("select count(*) from provider_event where event_id = '" + id + "'")).isZero();
    assertThat(count("select count(*) from refund where invoice_id = " + invoice)).isZero();
    assertThat(status(invoice)).isEqualTo("PAID");
    assertThat(
            metrics
                .counter(
                    "charon.provider.events.received", "provider", "stripe", "result", "refused")
                .count())
        .isGreaterThanOrEqualTo(4);
  }

  @Test
  void an_event_for_an_unknown_charge_is_stored_and_reported_not_retried() {
    var id = StripeEvents.eventId();
    var body =
        StripeEvents.event(
            id,
            "charge.dispute.created",
            StripeEvents.dispute("dp_" + id, "ch_nobody_knows", 20_00, "eur", "needs_response"));

    assertThat(deliver(body, StripeEvents.signature(body)).status()).isEqualTo(200);
    awaitSettled(id);

    assertThat(eventStatus(id)).isEqualTo("UNMATCHED");
    var listed = api.reader().get("/rest/v1/provider-events?status=unmatched&provider=stripe");
    assertThat(listed.status()).as(listed.body()).isEqualTo(200);
    assertThat(listed.json().findValuesAsText("eventId")).contains(id);
    assertThat(api.anonymous().get("/rest/v1/provider-events").status()).isEqualTo(401);
    assertThat(
            metrics
                .counter(
                    "charon.provider.events.applied",
                    "provider",
                    "stripe",
                    "type",
                    "charge.dispute.created",
                    "outcome",
                    "unmatched")
                .count())
        .isGreaterThanOrEqualTo(1);
    var gauges = new SimpleMeterRegistry();
    ProviderEventGauges.register(db.jdbi(), gauges);
    assertThat(gauges.get("charon.provider.events.unmatched").gauge().value())
        .isGreaterThanOrEqualTo(1);
    // Not retried: it is settled, so no later pass claims it again.
    db.jdbi()
        .useHandle(
            h -> h.execute("update provider_event set next_attempt_at = now() - interval '1 day'"));
    applier.runOnce();
    assertThat(count("select tries from provider_event where event_id = '" + id + "'"))
        .isEqualTo(1);
    assertThat(count("select count(*) from dispute where provider_dispute_id = 'dp_" + id + "'"))
        .isZero();
  }

  @Test
  void disputes_open_and_close_an_invoice_and_a_won_one_returns_to_what_it_was() {
    var charge = "ch_" + System.nanoTime();
    long invoice = paidInvoice(charge, 30_00);
    var refund = StripeEvents.eventId();
    var refunded =
        StripeEvents.event(
            refund, "refund.created", StripeEvents.refund("re_" + refund, charge, 10_00, "eur"));
    deliver(refunded, StripeEvents.signature(refunded));
    awaitSettled(refund);
    var dispute = "dp_" + System.nanoTime();
    var opened = StripeEvents.eventId();
    var open =
        StripeEvents.event(
            opened,
            "charge.dispute.created",
            StripeEvents.dispute(dispute, charge, 20_00, "eur", "needs_response"));
    deliver(open, StripeEvents.signature(open));
    awaitSettled(opened);
    assertThat(status(invoice)).isEqualTo("DISPUTED");

    var closed = StripeEvents.eventId();
    var close =
        StripeEvents.event(
            closed,
            "charge.dispute.closed",
            StripeEvents.dispute(dispute, charge, 20_00, "eur", "won"));
    deliver(close, StripeEvents.signature(close));
    awaitSettled(closed);

    assertThat(status(invoice)).isEqualTo("PARTIALLY_REFUNDED");
    assertThat(
            count(
                "select count(*) from dispute where status = 'WON' and provider_dispute_id = '"
                    + dispute
                    + "'"))
        .isEqualTo(1);
    assertThat(
            count(
                "select count(*) from event_outbox where type = 'dispute.closed' and data->>'invoiceId' = '"
                    + invoice
                    + "'"))
        .isEqualTo(1);
  }

  @Test
  void a_lost_dispute_takes_the_money_off_the_books_even_when_its_opening_was_missed() {
    var charge = "ch_" + System.nanoTime();
    long invoice = paidInvoice(charge, 40_00);
    var dispute = "dp_" + System.nanoTime();
    var closed = StripeEvents.eventId();
    var close =
        StripeEvents.event(
            closed,
            "charge.dispute.closed",
            StripeEvents.dispute(dispute, charge, 40_00, "eur", "lost"));
    deliver(close, StripeEvents.signature(close));
    awaitSettled(closed);

    assertThat(status(invoice)).isEqualTo("DISPUTED");
    assertThat(
            count("select count(*) from dispute where status = 'LOST' and invoice_id = " + invoice))
        .isEqualTo(1);
    assertThat(
            count(
                "select count(*) from invoice_history where invoice_id = "
                    + invoice
                    + " and reason like '%lost at the provider%'"))
        .isEqualTo(1);
  }

  @Test
  void a_refund_whose_event_arrives_after_the_disputes_is_still_recorded() {
    // Seen in a smoke run with the gateway: the refund's event came in after the dispute's.
    var charge = "ch_" + System.nanoTime();
    long invoice = paidInvoice(charge, 30_00);
    var dispute = "dp_" + System.nanoTime();
    var opened = StripeEvents.eventId();
    var open =
        StripeEvents.event(
            opened,
            "charge.dispute.created",
            StripeEvents.dispute(dispute, charge, 29_00, "eur", "needs_response"));
    deliver(open, StripeEvents.signature(open));
    awaitSettled(opened);
    var refund = StripeEvents.eventId();
    var refunded =
        StripeEvents.event(
            refund, "refund.created", StripeEvents.refund("re_" + refund, charge, 1_00, "eur"));
    deliver(refunded, StripeEvents.signature(refunded));
    awaitSettled(refund);

    assertThat(eventStatus(refund)).isEqualTo("APPLIED");
    assertThat(status(invoice)).isEqualTo("DISPUTED");
    assertThat(count("select refunded_minor from invoice where id = " + invoice)).isEqualTo(1_00);
    var won = StripeEvents.eventId();
    var close =
        StripeEvents.event(
            won,
            "charge.dispute.closed",
            StripeEvents.dispute(dispute, charge, 29_00, "eur", "won"));
    deliver(close, StripeEvents.signature(close));
    awaitSettled(won);
    assertThat(status(invoice)).isEqualTo("PARTIALLY_REFUNDED");
  }

  @Test
  void a_payment_intent_outcome_reaches_the_settlement_hook_once() {
    var charge = "ch_" + System.nanoTime();
    long invoice = paidInvoice(charge, 12_00);
    var id = StripeEvents.eventId();
    var body =
        StripeEvents.event(
            id,
            "payment_intent.succeeded",
            """
            {"id":"pi_%s","object":"payment_intent","amount":1200,"currency":"eur","status":"succeeded",
             "latest_charge":"%s","metadata":{"charon_invoice_id":"%d","charon_idempotency_key":"inv%d-att1"}}"""
                .formatted(id, charge, invoice, invoice));
    for (int i = 0; i < 3; i++) {
      deliver(body, StripeEvents.signature(body));
    }
    awaitSettled(id);

    var mine = settled.stream().filter(e -> e.eventId().equals(id)).toList();
    assertThat(mine).hasSize(1);
    assertThat(mine.getFirst().succeeded()).isTrue();
    assertThat(mine.getFirst().invoiceId()).contains(invoice);
    assertThat(mine.getFirst().idempotencyKey()).contains("inv" + invoice + "-att1");
    assertThat(mine.getFirst().amount().orElseThrow().minorUnits()).isEqualTo(12_00);
  }

  private static Http.Response deliver(String body, String signature) {
    return api.anonymous()
        .withHeader("Stripe-Signature", signature)
        .post(ProviderEventRoutes.STRIPE_PATH, body);
  }

  /** A PAID invoice whose attempt was charged at Stripe as {@code charge}. */
  private static long paidInvoice(String charge, long amount) {
    long invoice =
        new Fixtures(db.jdbi())
            .invoice()
            .amount(amount)
            .in(Currency.EUR)
            .status(InvoiceStatus.PAID)
            .create();
    db.jdbi()
        .useHandle(
            h ->
                h.createUpdate(
                        """
                        insert into charge_attempt (invoice_id, attempt_no, idempotency_key, amount_minor, currency,
                                                    outcome, provider_reference, worker, calls, completed_at)
                        values (:invoice, 1, :key, :amount, 'EUR', 'CHARGED', :charge, 'test', 1, now())
                        """)
                    .bind("invoice", invoice)
                    .bind("key", "inv" + invoice + "-att1-" + charge)
                    .bind("amount", amount)
                    .bind("charge", charge)
                    .execute());
    return invoice;
  }

  private static void awaitSettled(String eventId) {
    await().atMost(Duration.ofSeconds(10)).until(() -> !"RECEIVED".equals(eventStatus(eventId)));
  }

  private static String eventStatus(String eventId) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select status from provider_event where event_id = :id")
                    .bind("id", eventId)
                    .mapTo(String.class)
                    .findOne()
                    .orElse("RECEIVED"));
  }

  private static String status(long invoice) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select status from invoice where id = :id")
                    .bind("id", invoice)
                    .mapTo(String.class)
                    .one());
  }

  private static long count(String sql) {
    return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
  }
}
