package dev.charon.customer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.money.Currency;
import dev.charon.testing.Fixtures;
import dev.charon.testing.Http;
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

/** {@code /rest/v1/customers/{id}/payment-method} and the declines the collection report counts. */
class PaymentMethodApiTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static final MutableClock clock = new MutableClock(Instant.parse("2026-11-20T10:00:00Z"));
  static TestApi api;
  static Http operator;

  private final Fixtures fixtures = new Fixtures(db.jdbi());

  @BeforeAll
  static void start() {
    api = TestApi.start(db.jdbi(), clock);
    operator = api.operator();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  @BeforeEach
  void clean() {
    db.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "truncate charge_attempt, invoice_history, event_outbox, payment_method_change, invoice, customer restart identity cascade"));
  }

  @Test
  void an_update_retries_the_invoices_a_hard_decline_stopped_and_reads_back() {
    long customer = fixtures.customer(Currency.EUR);
    long stopped = declinedInvoice(customer, "expired_card");

    var updated =
        operator.post(
            "/rest/v1/customers/" + customer + "/payment-method",
            "{\"reference\":\"pm_visa_4242\"}");

    assertThat(updated.status()).as(updated.body()).isEqualTo(200);
    assertThat(updated.json().get("version").asLong()).isEqualTo(1);
    assertThat(updated.json().get("invoicesRetried").asInt()).isEqualTo(1);
    var invoice = operator.get("/rest/v1/invoices/" + stopped).json();
    assertThat(invoice.get("status").asText()).isEqualTo("RETRY_SCHEDULED");
    var read = operator.get("/rest/v1/customers/" + customer + "/payment-method").json();
    assertThat(read.get("reference").asText()).isEqualTo("pm_visa_4242");
    assertThat(read.get("version").asLong()).isEqualTo(1);
    var history = operator.get("/rest/v1/invoices/" + stopped + "/history").json();
    assertThat(history.get(history.size() - 1).get("actor").asText())
        .isEqualTo("api-key:test-operator");
  }

  @Test
  void a_stale_expected_version_is_409_and_changes_nothing() {
    long customer = fixtures.customer(Currency.EUR);
    long stopped = declinedInvoice(customer, "lost_card");
    assertThat(
            operator
                .post(
                    "/rest/v1/customers/" + customer + "/payment-method",
                    "{\"reference\":\"pm_1\"}")
                .status())
        .isEqualTo(200);
    // Stopped again by a later hard decline; a client that read an old version must not win.
    db.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "update invoice set status = 'ACTION_REQUIRED', next_attempt_at = null, status_reason = 'again' where id = ?",
                    stopped));

    var stale =
        operator.post(
            "/rest/v1/customers/" + customer + "/payment-method",
            "{\"reference\":\"pm_2\",\"expectedVersion\":3}");

    assertThat(stale.status()).isEqualTo(409);
    assertThat(stale.contentType()).startsWith("application/problem+json");
    assertThat(stale.json().get("detail").asText()).contains("version 1");
    assertThat(
            operator
                .get("/rest/v1/customers/" + customer + "/payment-method")
                .json()
                .get("reference")
                .asText())
        .isEqualTo("pm_1");
    assertThat(operator.get("/rest/v1/invoices/" + stopped).json().get("status").asText())
        .isEqualTo("ACTION_REQUIRED");
  }

  @Test
  void bad_input_is_a_problem_and_an_unknown_customer_404() {
    long customer = fixtures.customer(Currency.EUR);
    var blank =
        operator.post(
            "/rest/v1/customers/" + customer + "/payment-method", "{\"reference\":\"  \"}");
    assertThat(blank.status()).isEqualTo(400);
    assertThat(blank.contentType()).startsWith("application/problem+json");
    var extra =
        operator.post(
            "/rest/v1/customers/" + customer + "/payment-method",
            "{\"reference\":\"pm\",\"card\":\"4242\"}");
    assertThat(extra.status()).isIn(400, 422);
    assertThat(
            operator
                .post("/rest/v1/customers/999999/payment-method", "{\"reference\":\"pm\"}")
                .status())
        .isEqualTo(404);
    assertThat(operator.get("/rest/v1/customers/999999/payment-method").status()).isEqualTo(404);
    assertThat(
            api.reader()
                .post(
                    "/rest/v1/customers/" + customer + "/payment-method", "{\"reference\":\"pm\"}")
                .status())
        .isEqualTo(403);
    assertThat(
            operator
                .get("/rest/v1/customers/" + customer + "/payment-method")
                .json()
                .get("version")
                .asLong())
        .isZero();
  }

  @Test
  void the_collection_report_counts_declines_by_code() {
    long customer = fixtures.customer(Currency.EUR);
    declinedInvoice(customer, "expired_card");
    declinedInvoice(customer, "insufficient_funds");
    declinedInvoice(customer, "insufficient_funds");

    var periods = operator.get("/rest/v1/collection?periods=1").json().get("periods");

    var declines = periods.get(0).get("declinesByCode");
    assertThat(declines.get("insufficient_funds").asLong()).isEqualTo(2);
    assertThat(declines.get("expired_card").asLong()).isEqualTo(1);
  }

  /** An invoice of November 2026 with one declined attempt; ACTION_REQUIRED for a hard code. */
  private long declinedInvoice(long customer, String code) {
    boolean hard = dev.charon.payment.domain.DeclineCode.isHard(code);
    long id =
        fixtures
            .invoice()
            .forCustomer(customer)
            .amount(1_000)
            .period(YearMonth.of(2026, 11))
            .status(hard ? InvoiceStatus.ACTION_REQUIRED : InvoiceStatus.PENDING)
            .create();
    db.jdbi()
        .useHandle(
            h ->
                h.execute(
                    """
        insert into charge_attempt (invoice_id, attempt_no, idempotency_key, amount_minor, currency, outcome, decline_code, worker, calls)
        values (?, 1, ?, 1000, 'EUR', 'DECLINED', ?, 'w', 1)
        """,
                    id,
                    "k-" + id,
                    code));
    return id;
  }
}
