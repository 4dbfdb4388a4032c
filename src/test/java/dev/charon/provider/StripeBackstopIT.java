package dev.charon.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.stripe.param.RefundCreateParams;
import dev.charon.audit.Auditor;
import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.stripe.StripePaymentProvider;
import dev.charon.payment.stripe.StripeSettings;
import dev.charon.refund.ProviderFacts;
import dev.charon.testing.Fixtures;
import dev.charon.testing.StripeEmulator;
import dev.charon.testing.StripeEvents;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 24's report on stripe-stateful-mock: invoices charged through the Stripe adapter, a partial
 * refund of EUR 5.00 made directly at the emulator (as in Stripe's dashboard) whose webhook never
 * arrives. The audit reports the difference; the Stripe backstop finds the refund in Stripe's list
 * and records it (refund of source provider, credit note, invoice PARTIALLY_REFUNDED); the audit
 * then reconciles. A late event for the same refund changes nothing.
 */
class StripeBackstopIT {
  @RegisterExtension static final TestDatabase db = new TestDatabase();

  static StripeEmulator emulator;
  static StripeSettings settings;
  static StripePaymentProvider stripe;

  @BeforeAll
  static void start() {
    emulator = StripeEmulator.start();
    settings = emulator.settings();
    stripe = new StripePaymentProvider(settings, new SimpleMeterRegistry());
  }

  @AfterAll
  static void stop() {
    emulator.close();
  }

  @Test
  void a_refund_made_at_stripe_whose_event_was_lost_is_brought_in_by_the_backstop()
      throws Exception {
    var customer = emulator.customer("tok_visa");
    long[] invoices = new long[3];
    String[] charges = new String[3];
    for (int i = 0; i < 3; i++) {
      invoices[i] =
          new Fixtures(db.jdbi())
              .invoice()
              .amount(12_500)
              .in(Currency.EUR)
              .status(InvoiceStatus.PAID)
              .create();
      charges[i] = charge(invoices[i], customer);
    }
    var auditor = Auditor.stripe(db.jdbi(), settings);
    assertThat(auditor.run().reconciles()).isTrue();
    var metrics = new SimpleMeterRegistry();
    var backstop = new StripeBackstop(db.jdbi(), settings, Clock.systemUTC(), metrics);
    assertThat(backstop.runOnce().refunds()).isZero();

    var refund =
        emulator
            .client()
            .v1()
            .refunds()
            .create(RefundCreateParams.builder().setCharge(charges[0]).setAmount(500L).build());
    var before = auditor.run();

    assertThat(before.reconciles()).isFalse();
    assertThat(
            before.checks().stream()
                .filter(c -> c.name().startsWith("provider refunds Charon has not recorded"))
                .findFirst()
                .orElseThrow()
                .examples())
        .containsExactly(invoices[0]);

    var pass = backstop.runOnce();

    assertThat(pass.refunds()).isEqualTo(1);
    var after = auditor.run();
    assertThat(after.checks()).allSatisfy(c -> assertThat(c.ok()).as(c.name()).isTrue());
    assertThat(after.reconciles()).isTrue();
    assertThat(after.currencies().getFirst().net()).isEqualTo(3 * 12_500 - 500);
    assertThat(status(invoices[0])).isEqualTo("PARTIALLY_REFUNDED");
    assertThat(
            count(
                "select count(*) from refund where source = 'provider' and actor = 'provider'"
                    + " and provider_reference = '"
                    + refund.getId()
                    + "'"))
        .isEqualTo(1);
    assertThat(count("select count(*) from credit_note where invoice_id = " + invoices[0]))
        .isEqualTo(1);
    assertThat(
            count(
                "select count(*) from invoice_history where invoice_id = "
                    + invoices[0]
                    + " and reason like '%the Stripe backstop%'"))
        .isEqualTo(1);
    assertThat(count("select after from provider_cursor where name = 'stripe.refunds'"))
        .isEqualTo(refund.getCreated());

    // Again, and after the cursor is lost: nothing twice.
    assertThat(backstop.runOnce().refunds()).isZero();
    db.jdbi().useHandle(h -> h.execute("delete from provider_cursor"));
    assertThat(backstop.runOnce().refunds()).isZero();

    // The lost event arrives after all: known, nothing recorded twice.
    var events = new ProviderEvents(db.jdbi());
    var id = StripeEvents.eventId();
    events.store(
        "stripe",
        id,
        "refund.created",
        StripeEvents.event(
            id, "refund.created", StripeEvents.refund(refund.getId(), charges[0], 500, "eur")),
        null);
    try (var applier =
        new ProviderEventApplier(
            events,
            new ProviderFacts(db.jdbi(), Clock.systemUTC(), metrics),
            PaymentIntentSettlement.NONE,
            Clock.systemUTC(),
            metrics)) {
      assertThat(applier.runOnce()).isEqualTo(1);
    }
    assertThat(count("select count(*) from refund where invoice_id = " + invoices[0])).isEqualTo(1);
    assertThat(count("select refunded_minor from invoice where id = " + invoices[0]))
        .isEqualTo(500);
    assertThat(auditor.run().reconciles()).isTrue();
  }

  private static String charge(long invoice, String customer) {
    var key = "inv" + invoice + "-att1-stripe";
    var outcome =
        stripe.charge(
            new ChargeRequest(
                invoice, 0, invoice, customer, Money.ofMinor(12_500, Currency.EUR), key));
    var charge = ((ChargeOutcome.Charged) outcome).providerReference();
    db.jdbi()
        .useHandle(
            h ->
                h.createUpdate(
                        """
                        insert into charge_attempt (invoice_id, attempt_no, idempotency_key, amount_minor, currency,
                                                    outcome, provider_reference, worker, calls, completed_at)
                        values (:invoice, 1, :key, 12500, 'EUR', 'CHARGED', :charge, 'test', 1, now())
                        """)
                    .bind("invoice", invoice)
                    .bind("key", key)
                    .bind("charge", charge)
                    .execute());
    return charge;
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
