package dev.charon.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.money.Currency;
import dev.charon.testing.Fixtures;
import dev.charon.testing.Http;
import dev.charon.testing.MutableClock;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The write API over real HTTP and PostgreSQL: creating, operator actions, idempotent POSTs. */
class WriteApiTest {
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

  @Test
  void a_created_customer_answers_201_with_its_location_and_reads_back() {
    var created =
        operator.post("/rest/v1/customers", "{\"currency\":\"dkk\",\"name\":\"Nordlys ApS\"}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    var id = created.json().get("id").asLong();
    assertThat(created.header("Location")).isEqualTo("/rest/v1/customers/" + id);
    var read = operator.get(created.header("Location")).json();
    assertThat(read.get("currency").asText()).isEqualTo("DKK");
    assertThat(read.get("name").asText()).isEqualTo("Nordlys ApS");
  }

  @Test
  void an_invoice_amount_is_a_decimal_string_kept_exactly_in_minor_units() {
    long eur = fixtures.customer(Currency.EUR);
    var created = createInvoice(eur, "\"12.50\"", "EUR");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    var invoice = created.json();
    assertThat(invoice.get("amount").get("minorUnits").asLong()).isEqualTo(1250);
    assertThat(invoice.get("amount").get("value").decimalValue()).isEqualByComparingTo("12.50");
    assertThat(invoice.get("status").asText()).isEqualTo("PENDING");
    assertThat(invoice.get("billingPeriod").asText())
        .as("defaults to the current period")
        .isEqualTo("2026-11");
    assertThat(invoice.get("dueDate").asText()).isEqualTo("2026-11-01");
    var history =
        operator.get("/rest/v1/invoices/" + invoice.get("id").asLong() + "/history").json();
    assertThat(history.get(0).get("actor").asText()).isEqualTo("api-key:test-operator");

    long yen = fixtures.customer(Currency.JPY);
    assertThat(
            createInvoice(yen, "\"1200\"", "JPY").json().get("amount").get("minorUnits").asLong())
        .isEqualTo(1200);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "\"12.505\"|EUR|amount.value|EUR has 2 decimal places",
        "\"1.5\"|JPY|amount.value|JPY has 0 decimal places",
        "\"0.00\"|EUR|amount.value|greater than 0",
        "\"-3\"|EUR|amount.value|greater than 0",
        "12.5|EUR|amount.value|must be a string",
        "\"twelve\"|EUR|amount.value|not a decimal number",
        "\"1e3\"|EUR|amount.value|no exponent",
        "\"+5\"|EUR|amount.value|not a decimal number",
        "\"\u0661\u0662\"|EUR|amount.value|ASCII digits",
        "\"99999999999999999999\"|EUR|amount.value|too large",
        "\"10\"|XYZ|amount.currency|not one of",
      })
  void a_bad_amount_is_a_400_naming_the_field_and_creates_nothing(
      String value, String currency, String field, String message) {
    long customer = fixtures.customer(Currency.parse(currency).orElse(Currency.EUR));
    long before = invoiceCount();
    var response = createInvoice(customer, value, currency);
    assertProblem(response, 400);
    assertThat(fieldErrors(response))
        .anySatisfy(
            e -> {
              assertThat(e.get("field").asText()).isEqualTo(field);
              assertThat(e.get("message").asText()).contains(message);
            });
    assertThat(invoiceCount()).isEqualTo(before);
  }

  @Test
  void every_invalid_field_is_listed_in_one_problem() {
    var response =
        operator.post(
            "/rest/v1/invoices",
            "{\"customerId\":\"seven\",\"amount\":{\"value\":\"1\"},\"dueDate\":\"tomorrow\",\"billingPeriod\":\"2026-13\",\"discount\":5}");
    assertProblem(response, 400);
    assertThat(fieldErrors(response))
        .extracting(e -> e.get("field").asText())
        .containsExactlyInAnyOrder(
            "discount", "customerId", "amount.currency", "billingPeriod", "dueDate");
  }

  @Test
  void an_invoice_in_another_currency_than_its_customer_or_for_no_customer_is_a_422() {
    long sek = fixtures.customer(Currency.SEK);
    long before = invoiceCount();
    var mismatch = createInvoice(sek, "\"10.00\"", "EUR");
    assertProblem(mismatch, 422);
    assertThat(fieldErrors(mismatch).getFirst().get("field").asText()).isEqualTo("amount.currency");
    assertThat(fieldErrors(mismatch).getFirst().get("message").asText()).contains("billed in SEK");
    var missing = createInvoice(987654, "\"10.00\"", "EUR");
    assertProblem(missing, 422);
    assertThat(fieldErrors(missing).getFirst().get("field").asText()).isEqualTo("customerId");
    assertThat(invoiceCount()).isEqualTo(before);
  }

  @Test
  void void_records_the_reason_and_the_key_in_history_and_events() {
    long id = fixtures.invoice().status(InvoiceStatus.ACTION_REQUIRED).create();
    var response =
        operator.post(
            "/rest/v1/invoices/" + id + "/void", "{\"reason\":\"customer closed the account\"}");
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    assertThat(response.json().get("status").asText()).isEqualTo("VOID");
    var last = lastHistory(id);
    assertThat(last.get("oldStatus").asText()).isEqualTo("ACTION_REQUIRED");
    assertThat(last.get("reason").asText()).isEqualTo("void: customer closed the account");
    assertThat(last.get("actor").asText()).isEqualTo("api-key:test-operator");
    int events =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "select count(*) from event_outbox where type = 'invoice.voided' and subject = :s")
                        .bind("s", "invoices/" + id)
                        .mapTo(Integer.class)
                        .one());
    assertThat(events).isEqualTo(1);
  }

  @Test
  void retry_schedules_a_needs_action_invoice_for_now_and_mark_uncollectible_gives_up() {
    long blocked = fixtures.invoice().status(InvoiceStatus.ACTION_REQUIRED).create();
    var retried =
        operator.post(
            "/rest/v1/invoices/" + blocked + "/retry",
            "{\"reason\":\"customer fixed at provider\"}");
    assertThat(retried.status()).as(retried.body()).isEqualTo(200);
    assertThat(retried.json().get("status").asText()).isEqualTo("RETRY_SCHEDULED");
    assertThat(Instant.parse(retried.json().get("nextAttemptAt").asText()))
        .isEqualTo(clock.instant());

    long pending = fixtures.invoice().create();
    var givenUp =
        operator.post(
            "/rest/v1/invoices/" + pending + "/mark-uncollectible", "{\"reason\":\"bankrupt\"}");
    assertThat(givenUp.json().get("status").asText()).isEqualTo("UNCOLLECTIBLE");
    assertThat(lastHistory(pending).get("reason").asText())
        .isEqualTo("mark-uncollectible: bankrupt");
  }

  @Test
  void an_action_the_status_does_not_allow_is_a_409_and_changes_nothing() {
    long paid = fixtures.invoice().status(InvoiceStatus.PAID).create();
    var response = operator.post("/rest/v1/invoices/" + paid + "/void", "{\"reason\":\"oops\"}");
    assertProblem(response, 409);
    assertThat(response.json().get("detail").asText()).contains("is PAID");
    assertThat(operator.get("/rest/v1/invoices/" + paid).json().get("status").asText())
        .isEqualTo("PAID");
    assertThat(operator.get("/rest/v1/invoices/" + paid + "/history").json()).hasSize(1);

    long processing = fixtures.invoice().status(InvoiceStatus.PROCESSING).create();
    assertThat(
            operator
                .post(
                    "/rest/v1/invoices/" + processing + "/mark-uncollectible", "{\"reason\":\"x\"}")
                .json()
                .get("detail")
                .asText())
        .contains("being charged right now");
  }

  @Test
  void an_action_needs_a_reason_and_an_existing_invoice() {
    long id = fixtures.invoice().status(InvoiceStatus.ACTION_REQUIRED).create();
    assertProblem(operator.post("/rest/v1/invoices/" + id + "/void", "{}"), 400);
    assertProblem(operator.post("/rest/v1/invoices/" + id + "/void", "{\"reason\":\"   \"}"), 400);
    assertProblem(
        operator.post(
            "/rest/v1/invoices/" + id + "/void", "{\"reason\":\"" + "x".repeat(501) + "\"}"),
        400);
    assertProblem(operator.post("/rest/v1/invoices/99999999/void", "{\"reason\":\"gone\"}"), 404);
    assertThat(operator.get("/rest/v1/invoices/" + id).json().get("status").asText())
        .isEqualTo("ACTION_REQUIRED");
  }

  @Test
  void the_same_idempotency_key_replays_the_first_response_and_writes_once() {
    var key = UUID.randomUUID().toString();
    var keyed = operator.withHeader("Idempotency-Key", key);
    var first = keyed.post("/rest/v1/customers", "{\"currency\":\"EUR\",\"name\":\"Once\"}");
    var second = keyed.post("/rest/v1/customers", "{\"currency\":\"EUR\",\"name\":\"Once\"}");
    assertThat(first.status()).isEqualTo(201);
    assertThat(second.status()).isEqualTo(201);
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(second.header("Location")).isEqualTo(first.header("Location"));
    assertThat(first.header("Idempotent-Replayed")).isNull();
    assertThat(second.header("Idempotent-Replayed")).isEqualTo("true");
    assertThat(customersNamed("Once")).isEqualTo(1);
  }

  @Test
  void the_same_key_with_a_different_body_or_path_is_a_422_and_writes_nothing() {
    var keyed = operator.withHeader("Idempotency-Key", UUID.randomUUID().toString());
    assertThat(
            keyed.post("/rest/v1/customers", "{\"currency\":\"EUR\",\"name\":\"First\"}").status())
        .isEqualTo(201);
    var otherBody = keyed.post("/rest/v1/customers", "{\"currency\":\"EUR\",\"name\":\"Second\"}");
    assertProblem(otherBody, 422);
    assertThat(otherBody.json().get("detail").asText())
        .contains("already used for a different request");
    long invoice = fixtures.invoice().status(InvoiceStatus.ACTION_REQUIRED).create();
    assertProblem(keyed.post("/rest/v1/invoices/" + invoice + "/void", "{\"reason\":\"x\"}"), 422);
    assertThat(customersNamed("Second")).isZero();
    assertThat(operator.get("/rest/v1/invoices/" + invoice).json().get("status").asText())
        .isEqualTo("ACTION_REQUIRED");
  }

  @Test
  void a_rejected_request_does_not_use_up_its_key_and_keys_belong_to_one_api_key() {
    var key = UUID.randomUUID().toString();
    assertProblem(
        operator
            .withHeader("Idempotency-Key", key)
            .post("/rest/v1/customers", "{\"currency\":\"EURO\"}"),
        400);
    assertThat(
            operator
                .withHeader("Idempotency-Key", key)
                .post("/rest/v1/customers", "{\"currency\":\"EUR\",\"name\":\"Fixed\"}")
                .status())
        .isEqualTo(201);
    var secondOperator =
        api.anonymous()
            .bearer(api.keys().create(dev.charon.auth.Role.OPERATOR, "second-" + key).secret());
    var theirs =
        secondOperator
            .withHeader("Idempotency-Key", key)
            .post("/rest/v1/customers", "{\"currency\":\"EUR\",\"name\":\"Fixed\"}");
    assertThat(theirs.header("Idempotent-Replayed"))
        .as("another API key's request is its own")
        .isNull();
    assertThat(customersNamed("Fixed")).isEqualTo(2);
  }

  @Test
  void an_expired_key_is_a_new_request_and_expired_keys_are_purged() {
    var keyed = operator.withHeader("Idempotency-Key", UUID.randomUUID().toString());
    keyed.post("/rest/v1/customers", "{\"currency\":\"EUR\",\"name\":\"Expiring\"}");
    operator
        .withHeader("Idempotency-Key", "another-" + UUID.randomUUID())
        .post("/rest/v1/customers", "{\"currency\":\"EUR\"}");
    clock.advance(Writes.TTL.plusMinutes(1));
    try {
      var later = keyed.post("/rest/v1/customers", "{\"currency\":\"EUR\",\"name\":\"Expiring\"}");
      assertThat(later.header("Idempotent-Replayed")).isNull();
      assertThat(customersNamed("Expiring")).isEqualTo(2);
      long stale =
          db.jdbi()
              .withHandle(
                  h ->
                      h.createQuery("select count(*) from idempotency_key where created_at < :cut")
                          .bind("cut", java.sql.Timestamp.from(clock.instant().minus(Writes.TTL)))
                          .mapTo(Long.class)
                          .one());
      assertThat(stale).as("expired keys left after a keyed request").isZero();
    } finally {
      clock.set(Instant.parse("2026-11-20T10:00:00Z"));
    }
  }

  @Test
  void concurrent_requests_with_one_key_write_once_and_answer_alike() throws Exception {
    var keyed = operator.withHeader("Idempotency-Key", UUID.randomUUID().toString());
    try (var pool = Executors.newFixedThreadPool(8)) {
      var answers = new ArrayList<Future<Http.Response>>();
      for (int i = 0; i < 8; i++) {
        answers.add(
            pool.submit(
                () ->
                    keyed.post("/rest/v1/customers", "{\"currency\":\"GBP\",\"name\":\"Raced\"}")));
      }
      var bodies = new ArrayList<String>();
      for (var answer : answers) {
        assertThat(answer.get().status()).isEqualTo(201);
        bodies.add(answer.get().body());
      }
      assertThat(bodies).containsOnly(bodies.getFirst());
    }
    assertThat(customersNamed("Raced")).isEqualTo(1);
  }

  @Test
  void a_malformed_idempotency_key_is_a_400() {
    var response =
        operator
            .withHeader("Idempotency-Key", "k".repeat(256))
            .post("/rest/v1/customers", "{\"currency\":\"EUR\"}");
    assertProblem(response, 400);
    assertThat(fieldErrors(response).getFirst().get("field").asText()).isEqualTo("Idempotency-Key");
  }

  @Test
  void bodies_are_bounded_in_size_depth_and_string_length() {
    assertProblem(
        operator.post("/rest/v1/customers", "{\"name\":\"" + "x".repeat(70_000) + "\"}"), 413);
    assertProblem(
        operator.post("/rest/v1/customers", "{\"name\":" + "[".repeat(50) + "]".repeat(50) + "}"),
        400);
    assertProblem(
        operator.post(
            "/rest/v1/customers", "{\"currency\":\"EUR\",\"name\":\"" + "x".repeat(201) + "\"}"),
        400);
    assertProblem(
        operator.post("/rest/v1/customers", "{\"currency\":\"EUR\",\"currency\":\"USD\"}"), 400);
    assertProblem(
        operator.send(
            "POST", "/rest/v1/customers", "currency=EUR", "application/x-www-form-urlencoded"),
        415);
  }

  private Http.Response createInvoice(long customer, String value, String currency) {
    return operator.post(
        "/rest/v1/invoices",
        "{\"customerId\":"
            + customer
            + ",\"amount\":{\"value\":"
            + value
            + ",\"currency\":\""
            + currency
            + "\"}}");
  }

  private static JsonNode lastHistory(long id) {
    var history = operator.get("/rest/v1/invoices/" + id + "/history").json();
    return history.get(history.size() - 1);
  }

  private static List<JsonNode> fieldErrors(Http.Response response) {
    var errors = new ArrayList<JsonNode>();
    response.json().get("errors").forEach(errors::add);
    return errors;
  }

  private long invoiceCount() {
    return db.jdbi()
        .withHandle(h -> h.createQuery("select count(*) from invoice").mapTo(Long.class).one());
  }

  private long customersNamed(String name) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select count(*) from customer where name = :n")
                    .bind("n", name)
                    .mapTo(Long.class)
                    .one());
  }

  static void assertProblem(Http.Response response, int status) {
    assertThat(response.status()).as(response.body()).isEqualTo(status);
    assertThat(response.contentType()).startsWith("application/problem+json");
    assertThat(response.json().get("status").asInt()).isEqualTo(status);
    assertThat(response.json().get("detail").asText()).isNotBlank();
  }
}
