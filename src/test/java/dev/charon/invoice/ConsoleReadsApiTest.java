package dev.charon.invoice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.money.Currency;
import dev.charon.testing.Fixtures;
import dev.charon.testing.MutableClock;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import java.time.Instant;
import java.time.YearMonth;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The reads the console needs beyond the original API: collection per period, and charge attempts.
 */
class ConsoleReadsApiTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static final MutableClock clock = new MutableClock(Instant.parse("2026-11-20T10:00:00Z"));
  static TestApi api;

  private final Fixtures fixtures = new Fixtures(db.jdbi());

  @BeforeAll
  static void start() {
    api = TestApi.start(db.jdbi(), clock);
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  @BeforeEach
  void clean() {
    db.clean();
  }

  @Test
  void collection_lists_the_last_periods_oldest_first_with_money_per_currency_and_the_rate() {
    var november = YearMonth.of(2026, 11);
    long eur = fixtures.customer(Currency.EUR);
    long jpy = fixtures.customer(Currency.JPY);
    fixtures
        .invoice()
        .forCustomer(eur)
        .amount(12_50)
        .status(InvoiceStatus.PAID)
        .period(november)
        .create();
    fixtures
        .invoice()
        .forCustomer(eur)
        .amount(7_25)
        .status(InvoiceStatus.PAID)
        .period(november)
        .create();
    fixtures
        .invoice()
        .forCustomer(jpy)
        .amount(900)
        .status(InvoiceStatus.PAID)
        .period(november)
        .create();
    fixtures
        .invoice()
        .forCustomer(eur)
        .amount(1_00)
        .status(InvoiceStatus.ACTION_REQUIRED)
        .period(november)
        .create();
    fixtures
        .invoice()
        .forCustomer(eur)
        .amount(2_00)
        .status(InvoiceStatus.VOID)
        .period(november)
        .create();
    fixtures
        .invoice()
        .forCustomer(eur)
        .amount(3_00)
        .status(InvoiceStatus.UNCOLLECTIBLE)
        .period(YearMonth.of(2026, 9))
        .create();
    fixtures
        .invoice()
        .forCustomer(eur)
        .amount(4_00)
        .status(InvoiceStatus.PAID)
        .period(YearMonth.of(2025, 11))
        .create();

    var response = api.reader().get("/rest/v1/collection");
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    var body = response.json();
    assertThat(body.get("currentPeriod").asText()).isEqualTo("2026-11");
    assertThat(body.get("needsAction").asLong()).isEqualTo(2);
    assertThat(body.get("invoicesByStatus").get("PAID").asLong()).isEqualTo(4);
    assertThat(body.get("invoicesByStatus").get("PENDING").asLong()).isZero();
    var periods = body.get("periods");
    assertThat(periods).hasSize(12);
    assertThat(periods.get(0).get("period").asText())
        .isEqualTo("2025-12"); // 2025-11 is 13 periods back
    var current = periods.get(11);
    assertThat(current.get("period").asText()).isEqualTo("2026-11");
    assertThat(current.get("invoices").asLong()).isEqualTo(5);
    assertThat(current.get("paid").asLong()).isEqualTo(3);
    assertThat(current.get("voided").asLong()).isEqualTo(1);
    assertThat(current.get("collectionRate").decimalValue()).isEqualByComparingTo("0.75");
    assertThat(current.get("collected").get("EUR").asText()).isEqualTo("19.75");
    assertThat(current.get("collected").get("JPY").asText()).isEqualTo("900");
    assertThat(current.get("billed").get("EUR").asText()).isEqualTo("20.75");
    var september = periods.get(9);
    assertThat(september.get("collectionRate").decimalValue()).isEqualByComparingTo("0");
    assertThat(periods.get(0).get("collectionRate").isNull()).isTrue();
    assertThat(periods.get(0).get("collected").size()).isZero();

    assertThat(api.reader().get("/rest/v1/collection?periods=24").json().get("periods"))
        .hasSize(24);
  }

  @Test
  void refunded_and_disputed_invoices_were_paid_and_count_as_collected_gross() {
    var november = YearMonth.of(2026, 11);
    long eur = fixtures.customer(Currency.EUR);
    for (var status :
        new InvoiceStatus[] {
          InvoiceStatus.PAID,
          InvoiceStatus.PARTIALLY_REFUNDED,
          InvoiceStatus.REFUNDED,
          InvoiceStatus.DISPUTED
        }) {
      fixtures.invoice().forCustomer(eur).amount(10_00).status(status).period(november).create();
    }

    var current = api.reader().get("/rest/v1/collection").json().get("periods").get(11);

    assertThat(current.get("paid").asLong()).isEqualTo(4);
    assertThat(current.get("collected").get("EUR").asText()).isEqualTo("40.00");
  }

  @Test
  void collection_refuses_a_period_count_out_of_range() {
    for (var bad : new String[] {"0", "121", "x", "-1"}) {
      var response = api.reader().get("/rest/v1/collection?periods=" + bad);
      assertThat(response.status()).as(bad).isEqualTo(400);
      assertThat(response.json().get("errors").get(0).get("field").asText()).isEqualTo("periods");
    }
  }

  @Test
  void attempts_show_key_outcome_and_provider_reference_oldest_first() {
    long invoice =
        fixtures.invoice().in(Currency.EUR).amount(10_00).status(InvoiceStatus.PAID).create();
    db.jdbi()
        .useHandle(
            h ->
                h.execute(
                    """
        insert into charge_attempt (invoice_id, attempt_no, idempotency_key, amount_minor, currency, outcome,
                                    provider_reference, detail, worker, calls, completed_at)
        values (?, 1, 'inv-key-1', 1000, 'EUR', 'UNAVAILABLE', null, 'network error', 'w1', 1, now()),
               (?, 2, 'inv-key-2', 1000, 'EUR', 'CHARGED', 'prov-42', null, 'w1', 1, now())
        """,
                    invoice,
                    invoice));

    var response = api.reader().get("/rest/v1/invoices/" + invoice + "/attempts");
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    var attempts = response.json();
    assertThat(attempts).hasSize(2);
    assertThat(attempts.get(0).get("attemptNo").asInt()).isEqualTo(1);
    assertThat(attempts.get(0).get("outcome").asText()).isEqualTo("UNAVAILABLE");
    assertThat(attempts.get(0).get("providerReference").isNull()).isTrue();
    assertThat(attempts.get(1).get("idempotencyKey").asText()).isEqualTo("inv-key-2");
    assertThat(attempts.get(1).get("providerReference").asText()).isEqualTo("prov-42");
    assertThat(attempts.get(1).get("amount").get("currency").asText()).isEqualTo("EUR");
    assertThat(attempts.get(1).get("amount").get("minorUnits").asLong()).isEqualTo(1000);
    assertThat(attempts.get(1).get("createdAt").asText()).isNotBlank();

    assertThat(api.reader().get("/rest/v1/invoices/999999/attempts").status()).isEqualTo(404);
  }
}
