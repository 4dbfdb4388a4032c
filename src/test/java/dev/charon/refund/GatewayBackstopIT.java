package dev.charon.refund;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.HttpPaymentProvider;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.payment.domain.RefundRequest;
import dev.charon.testing.Fixtures;
import dev.charon.testing.GatewayProcess;
import dev.charon.testing.Http;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The backstop against the real gateway: refunds and disputes made at the provider reach Charon
 * once, Charon's own refunds are left to the executor, and an entry Charon cannot place is passed.
 */
class GatewayBackstopIT {
  @RegisterExtension static final TestDatabase db = new TestDatabase();

  @Test
  void refunds_and_disputes_made_at_the_gateway_are_applied_once() throws Exception {
    try (var gateway = GatewayProcess.start();
        var provider =
            new HttpPaymentProvider(
                URI.create(gateway.url() + "/"), Duration.ofSeconds(2), Duration.ofSeconds(5))) {
      var backstop =
          new GatewayBackstop(
              db.jdbi(),
              URI.create(gateway.url() + "/"),
              Clock.systemUTC(),
              new SimpleMeterRegistry());
      var admin = new Http(gateway.url());
      long refunded = new Fixtures(db.jdbi()).paidAt(provider, 20_00);
      long won = new Fixtures(db.jdbi()).paidAt(provider, 30_00);
      long lost = new Fixtures(db.jdbi()).paidAt(provider, 40_00);
      var ours = new Refunds(db.jdbi(), new SimpleMeterRegistry());
      var own =
          db.jdbi()
              .inTransaction(
                  h ->
                      ours.request(
                          h,
                          refunded,
                          java.util.Optional.of(Money.ofMinor(1_00, Currency.EUR)),
                          "ours",
                          "api-key:ops"));
      // Charon's own refund reaches the gateway with its key (the executor would record it).
      assertThat(
              provider.refund(
                  new RefundRequest(
                      refunded, charge(refunded), own.amount(), own.idempotencyKey(), "ours")))
          .isInstanceOf(RefundOutcome.Refunded.class);
      // A refund made in the provider's dashboard, and one of an invoice Charon does not know.
      assertThat(
              provider.refund(
                  new RefundRequest(
                      refunded,
                      charge(refunded),
                      Money.ofMinor(5_00, Currency.EUR),
                      "dash-1",
                      "dashboard")))
          .isInstanceOf(RefundOutcome.Refunded.class);
      var stranger =
          provider.charge(
              new ChargeRequest(
                  999_999, 1, 1, null, Money.ofMinor(7_00, Currency.EUR), "stranger-charge"));
      var strangerCharge = ((ChargeOutcome.Charged) stranger).providerReference();
      provider.refund(
          new RefundRequest(
              999_999, strangerCharge, Money.ofMinor(7_00, Currency.EUR), "dash-2", "dashboard"));
      var wonDispute = openDispute(admin, charge(won));
      var lostDispute = openDispute(admin, charge(lost));

      var first = backstop.runOnce();

      assertThat(first.refunds()).isEqualTo(1);
      assertThat(first.disputes()).isEqualTo(2);
      assertThat(status(refunded)).isEqualTo("PARTIALLY_REFUNDED");
      assertThat(count("select refunded_minor from invoice where id = " + refunded))
          .isEqualTo(5_00);
      assertThat(
              count("select count(*) from refund where source = 'provider' and actor = 'provider'"))
          .isEqualTo(1);
      assertThat(count("select count(*) from credit_note where actor = 'provider'")).isEqualTo(1);
      assertThat(status(won)).isEqualTo("DISPUTED");
      assertThat(status(lost)).isEqualTo("DISPUTED");
      assertThat(count("select count(*) from event_outbox where type = 'invoice.disputed'"))
          .isEqualTo(2);

      close(admin, wonDispute, "won");
      close(admin, lostDispute, "lost");
      var second = backstop.runOnce();

      assertThat(second.refunds()).isZero();
      assertThat(second.disputes()).isEqualTo(2);
      assertThat(status(won)).isEqualTo("PAID");
      assertThat(status(lost)).isEqualTo("DISPUTED");
      assertThat(
              count("select count(*) from dispute where status = 'LOST' and invoice_id = " + lost))
          .isEqualTo(1);
      assertThat(count("select count(*) from event_outbox where type = 'dispute.closed'"))
          .isEqualTo(2);
      assertThat(
              count(
                  "select count(*) from invoice_history where invoice_id = "
                      + lost
                      + " and reason like '%lost at the provider%'"))
          .isEqualTo(1);

      // From the start again (a lost cursor): nothing is applied twice.
      db.jdbi().useHandle(h -> h.execute("delete from provider_cursor"));
      var again = backstop.runOnce();
      assertThat(again.refunds() + again.disputes()).isZero();
      assertThat(count("select count(*) from refund where source = 'provider'")).isEqualTo(1);
      assertThat(count("select count(*) from event_outbox where type = 'dispute.closed'"))
          .isEqualTo(2);
    }
  }

  private static String openDispute(Http admin, String charge) {
    var opened = admin.post("/admin/disputes", "{\"chargeId\":\"" + charge + "\"}");
    assertThat(opened.status()).as(opened.body()).isEqualTo(201);
    return opened.json().path("disputeId").asText();
  }

  private static void close(Http admin, String dispute, String outcome) {
    var closed =
        admin.post("/admin/disputes/" + dispute + "/close", "{\"outcome\":\"" + outcome + "\"}");
    assertThat(closed.status()).as(closed.body()).isEqualTo(200);
  }

  private static String charge(long invoice) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "select provider_reference from charge_attempt where invoice_id = :i and outcome = 'CHARGED'")
                    .bind("i", invoice)
                    .mapTo(String.class)
                    .one());
  }

  private static String status(long invoice) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select status from invoice where id = :i")
                    .bind("i", invoice)
                    .mapTo(String.class)
                    .one());
  }

  private static long count(String sql) {
    return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
  }
}
