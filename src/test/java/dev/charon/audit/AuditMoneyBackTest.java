package dev.charon.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.gateway.GatewayServer;
import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.HttpPaymentProvider;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.payment.domain.RefundRequest;
import dev.charon.payment.fake.FaultProfile;
import dev.charon.testing.Fixtures;
import dev.charon.testing.Http;
import dev.charon.testing.TestDatabase;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit nets money going back: refunds and lost disputes at the provider (the real gateway,
 * in-process) against Charon's refund and dispute rows, per invoice and per currency. Charon's rows
 * are written here as Charon's refund path and provider-event intake write them.
 */
class AuditMoneyBackTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  @TempDir Path dir;

  final Fixtures fixtures = new Fixtures(db.jdbi());
  GatewayServer gateway;
  HttpPaymentProvider provider;
  Auditor auditor;

  @BeforeEach
  void start() {
    db.clean();
    gateway =
        GatewayServer.start(
            new GatewayServer.Options(
                "127.0.0.1", 0, dir.resolve("journal.jsonl"), false, FaultProfile.none()),
            Clock.systemUTC());
    provider =
        new HttpPaymentProvider(
            URI.create(gateway.url() + "/"), Duration.ofSeconds(2), Duration.ofSeconds(10));
    auditor = new Auditor(db.jdbi(), URI.create(gateway.url() + "/"));
  }

  @AfterEach
  void stop() {
    provider.close();
    gateway.close();
  }

  /** An invoice PAID through the gateway, with its attempt as the charge path records it. */
  record Paid(long invoiceId, long customerId, String chargeId) {}

  Paid paid(long amountMinor) {
    long invoice =
        fixtures.invoice().amount(amountMinor).in(Currency.EUR).status(InvoiceStatus.PAID).create();
    long customer =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery("select customer_id from invoice where id = :id")
                        .bind("id", invoice)
                        .mapTo(Long.class)
                        .one());
    var key = "inv" + invoice + "-att1-test";
    var outcome =
        provider.charge(
            new ChargeRequest(invoice, customer, Money.ofMinor(amountMinor, Currency.EUR), key));
    var chargeId = ((ChargeOutcome.Charged) outcome).providerReference();
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
                    .bind("key", key)
                    .bind("amount", amountMinor)
                    .bind("charge", chargeId)
                    .execute());
    return new Paid(invoice, customer, chargeId);
  }

  String refundAtProvider(Paid paid, long amountMinor, String key) {
    var outcome =
        provider.refund(
            new RefundRequest(
                paid.invoiceId(),
                paid.chargeId(),
                Money.ofMinor(amountMinor, Currency.EUR),
                key,
                "made at the provider"));
    return ((RefundOutcome.Refunded) outcome).reference();
  }

  /** Charon's record of a refund, as the refund executor or the event intake leaves it. */
  void recordRefund(Paid paid, long amountMinor, String status, String key, String reference) {
    db.jdbi()
        .useTransaction(
            h -> {
              h.createUpdate(
                      """
                      insert into refund (invoice_id, refund_no, customer_id, amount_minor, currency, reason, actor,
                                          status, source, idempotency_key, provider_reference, settled_at)
                      values (:invoice, (select coalesce(max(refund_no), 0) + 1 from refund where invoice_id = :invoice),
                              :customer, :amount, 'EUR', 'test', 'test', :status,
                              case when :key is null then 'provider' else 'charon' end, :key, :reference,
                              case when :status in ('SUCCEEDED', 'FAILED') then now() end)
                      """)
                  .bind("invoice", paid.invoiceId())
                  .bind("customer", paid.customerId())
                  .bind("amount", amountMinor)
                  .bind("status", status)
                  .bind("key", key)
                  .bind("reference", reference)
                  .execute();
              if (status.equals("SUCCEEDED")) {
                h.createUpdate(
                        """
                        update invoice set refunded_minor = refunded_minor + :amount,
                               status = case when refunded_minor + :amount = amount_minor then 'REFUNDED'
                                             else 'PARTIALLY_REFUNDED' end
                        where id = :invoice
                        """)
                    .bind("invoice", paid.invoiceId())
                    .bind("amount", amountMinor)
                    .execute();
              }
            });
  }

  static Auditor.Check check(Auditor.Report report, String prefix) {
    return report.checks().stream()
        .filter(c -> c.name().startsWith(prefix))
        .findFirst()
        .orElseThrow();
  }

  static Auditor.CurrencyLine eur(Auditor.Report report) {
    return report.currencies().stream()
        .filter(c -> c.currency().equals("EUR"))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void a_refund_made_at_the_provider_is_a_difference_until_charon_records_it() throws Exception {
    var paid = paid(12_500);
    paid(12_500);
    assertThat(auditor.run().reconciles()).isTrue();

    var refundId = refundAtProvider(paid, 500, "dashboard-1");
    var before = auditor.run();

    assertThat(before.reconciles()).isFalse();
    assertThat(check(before, "provider refunds Charon has not recorded").examples())
        .containsExactly(paid.invoiceId());
    assertThat(eur(before).providerNet()).isEqualTo(24_500);
    assertThat(eur(before).net()).isEqualTo(25_000);
    assertThat(eur(before).ok()).isFalse();

    recordRefund(paid, 500, "SUCCEEDED", null, refundId);
    var after = auditor.run();

    assertThat(after.checks()).allSatisfy(c -> assertThat(c.ok()).as(c.name()).isTrue());
    assertThat(eur(after).providerRefundedMinor()).isEqualTo(500);
    assertThat(eur(after).refundedMinor()).isEqualTo(500);
    assertThat(eur(after).net()).isEqualTo(24_500);
    assertThat(after.reconciles()).isTrue();
  }

  @Test
  void a_refund_whose_charon_row_is_still_unknown_is_in_flight_not_a_difference() throws Exception {
    var paid = paid(10_000);
    recordRefund(paid, 3_000, "UNKNOWN", "inv-ref1-inflight", null);
    refundAtProvider(paid, 3_000, "inv-ref1-inflight");

    var report = auditor.run();

    assertThat(report.inFlightRefunds()).isEqualTo(1);
    assertThat(report.reconciles()).isTrue();
  }

  @Test
  void a_charon_refund_the_provider_lacks_or_differs_from_is_caught() throws Exception {
    var paid = paid(10_000);
    var refundId = refundAtProvider(paid, 2_000, "inv-ref1-k");
    recordRefund(paid, 2_001, "SUCCEEDED", "inv-ref1-k", refundId);

    var report = auditor.run();

    assertThat(check(report, "Charon refunds the provider does not have").examples())
        .containsExactly(paid.invoiceId());
    assertThat(check(report, "provider refunds Charon has not recorded").examples())
        .containsExactly(paid.invoiceId());
    assertThat(report.reconciles()).isFalse();
  }

  @Test
  void an_invoice_refunded_amount_that_is_not_its_refunds_is_caught() throws Exception {
    var paid = paid(10_000);
    db.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "update invoice set refunded_minor = 100, status = 'PARTIALLY_REFUNDED' where id = ?",
                    paid.invoiceId()));

    var report = auditor.run();

    assertThat(check(report, "invoices whose refunded amount").examples())
        .containsExactly(paid.invoiceId());
  }

  @Test
  void a_dispute_lost_at_the_provider_is_a_difference_until_charon_records_it() throws Exception {
    var paid = paid(8_000);
    var admin = new Http(gateway.url());
    var dispute =
        admin
            .post("/admin/disputes", "{\"chargeId\":\"" + paid.chargeId() + "\"}")
            .json()
            .get("disputeId")
            .asText();
    admin.post("/admin/disputes/" + dispute + "/close", "{\"outcome\":\"lost\"}");

    var before = auditor.run();

    assertThat(check(before, "disputes lost at the provider").examples())
        .containsExactly(paid.invoiceId());
    assertThat(eur(before).providerLostMinor()).isEqualTo(8_000);
    assertThat(eur(before).ok()).isFalse();

    db.jdbi()
        .useHandle(
            h -> {
              h.execute("update invoice set status = 'DISPUTED' where id = ?", paid.invoiceId());
              h.createUpdate(
                      """
                      insert into dispute (invoice_id, provider_dispute_id, amount_minor, currency, status, closed_at)
                      values (:invoice, :dispute, 8000, 'EUR', 'LOST', now())
                      """)
                  .bind("invoice", paid.invoiceId())
                  .bind("dispute", dispute)
                  .execute();
            });
    var after = auditor.run();

    assertThat(after.checks()).allSatisfy(c -> assertThat(c.ok()).as(c.name()).isTrue());
    assertThat(eur(after).lostMinor()).isEqualTo(8_000);
    assertThat(eur(after).net()).isZero();
    assertThat(after.reconciles()).isTrue();
  }
}
