package dev.charon.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.stripe.param.RefundCreateParams;
import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.stripe.StripePaymentProvider;
import dev.charon.payment.stripe.StripeSettings;
import dev.charon.testing.Fixtures;
import dev.charon.testing.StripeEmulator;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 24's report, on the Stripe emulator: invoices charged through the Stripe adapter, then a
 * partial refund of EUR 5.00 made directly at the emulator (as an operator does in Stripe's
 * dashboard, without Charon's metadata). The audit reports it as a difference, found through its
 * charge, until Charon records the refund. The emulator has no dispute list, so lost disputes are
 * not read there (the gateway's test covers them).
 */
class StripeAuditMoneyBackTest {
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
  void a_refund_made_in_the_dashboard_is_a_difference_until_charon_records_it() throws Exception {
    var fixtures = new Fixtures(db.jdbi());
    var customer = emulator.customer("tok_visa");
    String firstCharge = null;
    long firstInvoice = 0;
    for (int i = 0; i < 3; i++) {
      long invoice =
          fixtures.invoice().amount(12_500).in(Currency.EUR).status(InvoiceStatus.PAID).create();
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
      if (firstCharge == null) {
        firstCharge = charge;
        firstInvoice = invoice;
      }
    }
    var auditor = Auditor.stripe(db.jdbi(), settings);
    assertThat(auditor.run().reconciles()).isTrue();

    var refund =
        emulator
            .client()
            .v1()
            .refunds()
            .create(RefundCreateParams.builder().setCharge(firstCharge).setAmount(500L).build());
    var before = auditor.run();

    assertThat(before.reconciles()).isFalse();
    assertThat(before.providerRefunds()).isEqualTo(1);
    assertThat(
            before.checks().stream()
                .filter(c -> c.name().startsWith("provider refunds Charon has not recorded"))
                .findFirst()
                .orElseThrow()
                .examples())
        .containsExactly(firstInvoice);
    var eur = before.currencies().getFirst();
    assertThat(eur.providerNet()).isEqualTo(3 * 12_500 - 500);
    assertThat(eur.net()).isEqualTo(3 * 12_500);

    long invoice = firstInvoice;
    db.jdbi()
        .useTransaction(
            h -> {
              h.createUpdate(
                      """
                      insert into refund (invoice_id, refund_no, customer_id, amount_minor, currency, reason, actor,
                                          status, source, provider_reference, settled_at)
                      select id, 1, customer_id, 500, 'EUR', 'dashboard', 'provider', 'SUCCEEDED', 'provider', :ref, now()
                      from invoice where id = :invoice
                      """)
                  .bind("invoice", invoice)
                  .bind("ref", refund.getId())
                  .execute();
              h.execute(
                  "update invoice set refunded_minor = 500, status = 'PARTIALLY_REFUNDED' where id = ?",
                  invoice);
            });
    var after = auditor.run();

    assertThat(after.checks()).allSatisfy(c -> assertThat(c.ok()).as(c.name()).isTrue());
    assertThat(after.currencies().getFirst().net()).isEqualTo(3 * 12_500 - 500);
    assertThat(after.reconciles()).isTrue();
  }
}
