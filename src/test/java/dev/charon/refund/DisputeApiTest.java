package dev.charon.refund;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.refund.ProviderFacts.ExternalDispute;
import dev.charon.refund.ProviderFacts.ExternalRefund;
import dev.charon.testing.Fixtures;
import dev.charon.testing.Http;
import dev.charon.testing.MutableClock;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Disputes as the API shows them ({@code /rest/v1/disputes}, an invoice's disputes and the amount
 * it lost in them), written the one way they are written: as the provider reports them.
 */
class DisputeApiTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static final MutableClock clock = new MutableClock(Instant.parse("2026-11-20T10:00:00Z"));
  static TestApi api;
  static Http reader;

  private final Fixtures fixtures = new Fixtures(db.jdbi());
  private final ProviderFacts facts =
      new ProviderFacts(db.jdbi(), clock, new SimpleMeterRegistry());

  @BeforeAll
  static void start() {
    api = TestApi.start(db.jdbi(), clock);
    reader = api.reader();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  @BeforeEach
  void clean() {
    db.clean();
  }

  private long paidInvoice(long amountMinor) {
    return fixtures
        .invoice()
        .amount(amountMinor)
        .in(Currency.EUR)
        .status(InvoiceStatus.PAID)
        .create();
  }

  private void dispute(String id, long invoice, long minor, String status) {
    var outcome =
        facts.dispute(
            new ExternalDispute(id, invoice, Money.ofMinor(minor, Currency.EUR), status, "test"));
    assertThat(outcome.applied()).as(outcome.detail()).isTrue();
  }

  @Test
  void the_amount_of_a_lost_dispute_is_shown_on_the_invoice_and_an_open_one_is_listed() {
    long invoice = paidInvoice(40_00);
    long other = paidInvoice(10_00);
    dispute("dp_lost", invoice, 25_00, "open");
    dispute("dp_open", other, 10_00, "open");

    var open = reader.get("/rest/v1/disputes?status=open").json();
    assertThat(open).hasSize(2);
    assertThat(open.get(0).get("providerDisputeId").asText()).isEqualTo("dp_lost");
    assertThat(open.get(0).get("invoiceId").asLong()).isEqualTo(invoice);
    assertThat(open.get(0).get("amount").get("minorUnits").asLong()).isEqualTo(25_00);
    assertThat(open.get(0).get("closedAt").isNull()).isTrue();
    assertThat(
            reader.get("/rest/v1/invoices/" + invoice).json().get("lostInDisputesMinor").asLong())
        .isZero();

    dispute("dp_lost", invoice, 25_00, "lost");

    var shown = reader.get("/rest/v1/invoices/" + invoice).json();
    assertThat(shown.get("status").asText()).isEqualTo("DISPUTED");
    assertThat(shown.get("lostInDisputesMinor").asLong()).isEqualTo(25_00);
    var listed = reader.get("/rest/v1/invoices?status=DISPUTED").json();
    assertThat(listed).hasSize(2);
    assertThat(listed.get(0).get("lostInDisputesMinor").asLong()).isEqualTo(25_00);
    assertThat(listed.get(1).get("lostInDisputesMinor").asLong()).isZero();
    var ofInvoice = reader.get("/rest/v1/invoices/" + invoice + "/disputes").json();
    assertThat(ofInvoice)
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.get("status").asText()).isEqualTo("LOST");
              assertThat(d.get("closedAt").isNull()).isFalse();
            });
    assertThat(reader.get("/rest/v1/disputes?status=OPEN").json())
        .singleElement()
        .satisfies(d -> assertThat(d.get("invoiceId").asLong()).isEqualTo(other));
    long id = ofInvoice.get(0).get("id").asLong();
    assertThat(reader.get("/rest/v1/disputes/" + id).json().get("providerDisputeId").asText())
        .isEqualTo("dp_lost");
    assertThat(reader.get("/rest/v1/disputes/999999").status()).isEqualTo(404);
    assertThat(reader.get("/rest/v1/invoices/999999/disputes").status()).isEqualTo(404);
    assertThat(reader.get("/rest/v1/disputes?status=MAYBE").status()).isEqualTo(400);
  }

  @Test
  void a_won_dispute_on_a_partly_refunded_invoice_returns_it_to_partially_refunded() {
    long invoice = paidInvoice(30_00);
    var refunded =
        facts.refund(
            new ExternalRefund(
                "re_before", invoice, Money.ofMinor(10_00, Currency.EUR), null, "asked", "test"));
    assertThat(refunded.applied()).as(refunded.detail()).isTrue();
    dispute("dp_won", invoice, 20_00, "open");
    assertThat(reader.get("/rest/v1/invoices/" + invoice).json().get("status").asText())
        .isEqualTo("DISPUTED");

    dispute("dp_won", invoice, 20_00, "won");

    var shown = reader.get("/rest/v1/invoices/" + invoice).json();
    assertThat(shown.get("status").asText()).isEqualTo("PARTIALLY_REFUNDED");
    assertThat(shown.get("refundedMinor").asLong()).isEqualTo(10_00);
    assertThat(shown.get("lostInDisputesMinor").asLong()).isZero();
    var history = reader.get("/rest/v1/invoices/" + invoice + "/history").json();
    var last = history.get(history.size() - 1);
    assertThat(last.get("oldStatus").asText()).isEqualTo("DISPUTED");
    assertThat(last.get("newStatus").asText()).isEqualTo("PARTIALLY_REFUNDED");
    assertThat(last.get("actor").asText()).isEqualTo("provider");
  }
}
