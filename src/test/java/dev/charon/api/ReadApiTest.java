package dev.charon.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.charon.db.Database;
import dev.charon.seed.Seeder;
import dev.charon.testing.Http;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReadApiTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static Database database;
  static TestApi api;
  static Http http;

  @BeforeAll
  static void start() {
    database =
        Database.open(
            new dev.charon.config.DatabaseSettings(
                java.util.Optional.of(db.jdbcUrl()),
                TestDatabase.USER,
                TestDatabase.PASSWORD,
                4,
                java.nio.file.Path.of("unused")),
            "api-test");
    new Seeder(database.jdbi(), Clock.fixed(Instant.parse("2026-11-01T00:00:00Z"), ZoneOffset.UTC))
        .seed(100, 10, 0.3);
    api = TestApi.start(database.jdbi(), Clock.systemUTC());
    http = api.reader();
  }

  @AfterAll
  static void stop() {
    api.close();
    database.close();
  }

  @Test
  void health_answers_ok_like_the_original() {
    var response = http.get("/rest/health");
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json().asText()).isEqualTo("ok");
  }

  @Test
  void an_invoice_has_the_original_shape_plus_the_new_fields() {
    var response = http.get("/rest/v1/invoices/1");
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.contentType()).startsWith("application/json");
    var invoice = response.json();
    assertThat(invoice.get("id").asLong()).isEqualTo(1);
    assertThat(invoice.get("customerId").asLong()).isEqualTo(1);
    assertThat(invoice.get("status").asText()).isEqualTo("PENDING");
    var amount = invoice.get("amount");
    assertThat(amount.get("value").isNumber()).isTrue();
    assertThat(amount.get("value").decimalValue().scale()).isEqualTo(2);
    assertThat(amount.get("currency").asText()).matches("EUR|USD|DKK|SEK|GBP");
    assertThat(amount.get("value").decimalValue().movePointRight(2).longValueExact())
        .isEqualTo(amount.get("minorUnits").asLong());
    assertThat(invoice.get("billingPeriod").asText()).isEqualTo("2026-11");
    assertThat(invoice.get("dueDate").asText()).isEqualTo("2026-11-01");
    assertThat(Instant.parse(invoice.get("createdAt").asText())).isNotNull();
    assertThat(Instant.parse(invoice.get("updatedAt").asText())).isNotNull();
    assertThat(invoice.get("paidAt").isNull()).isTrue();
    assertThat(invoice.has("attemptCount")).isTrue();
    assertThat(invoice.has("nextAttemptAt")).isTrue();
    assertThat(invoice.has("lastFailure")).isTrue();
  }

  @Test
  void a_paid_invoice_shows_when_it_was_paid() {
    var invoice = http.get("/rest/v1/invoices/2").json();
    assertThat(invoice.get("status").asText()).isEqualTo("PAID");
    assertThat(Instant.parse(invoice.get("paidAt").asText()))
        .isAfter(Instant.parse("2026-01-01T00:00:00Z"));
  }

  @Test
  void a_customer_has_the_original_shape() {
    var customer = http.get("/rest/v1/customers/7").json();
    assertThat(customer.get("id").asLong()).isEqualTo(7);
    assertThat(customer.get("currency").asText()).matches("EUR|USD|DKK|SEK|GBP");
    assertThat(customer.has("createdAt")).isTrue();
  }

  @Test
  void the_unpaginated_original_calls_still_answer_with_every_row_up_to_the_cap() {
    var invoices = http.get("/rest/v1/invoices");
    assertThat(invoices.status()).isEqualTo(200);
    assertThat(invoices.json().isArray()).isTrue();
    assertThat(invoices.json()).hasSize(1000);
    assertThat(invoices.header("Link")).as("1000 rows fit under the cap of 1000").isNull();
    assertThat(http.get("/rest/v1/customers").json()).hasSize(100);
  }

  @Test
  void following_the_cursor_visits_every_invoice_exactly_once() {
    var seen = new HashSet<Long>();
    var order = new ArrayList<Long>();
    String path = "/rest/v1/invoices?limit=97";
    int pages = 0;
    while (path != null) {
      var response = http.get(path);
      assertThat(response.status()).isEqualTo(200);
      for (JsonNode invoice : response.json()) {
        assertThat(seen.add(invoice.get("id").asLong())).isTrue();
        order.add(invoice.get("id").asLong());
      }
      path = nextLink(response.header("Link"));
      pages++;
    }
    assertThat(seen).hasSize(1000);
    assertThat(order).isSorted();
    assertThat(pages).isEqualTo(11);
  }

  @Test
  void filters_by_status_customer_and_period_compose_with_pagination() {
    var pending = http.get("/rest/v1/invoices?status=PENDING&limit=1000").json();
    assertThat(pending)
        .hasSize(100)
        .allSatisfy(i -> assertThat(i.get("status").asText()).isEqualTo("PENDING"));

    var ofCustomer = http.get("/rest/v1/invoices?customerId=5").json();
    assertThat(ofCustomer)
        .hasSize(10)
        .allSatisfy(i -> assertThat(i.get("customerId").asLong()).isEqualTo(5));

    var paidOfCustomer = http.get("/rest/v1/invoices?customerId=5&status=paid").json();
    assertThat(paidOfCustomer).hasSize(9);

    var october = http.get("/rest/v1/invoices?period=2026-10").json();
    assertThat(october)
        .hasSize(100)
        .allSatisfy(i -> assertThat(i.get("billingPeriod").asText()).isEqualTo("2026-10"));

    var firstPage = http.get("/rest/v1/invoices?status=PAID&limit=5");
    assertThat(firstPage.json()).hasSize(5);
    var second = http.get(nextLink(firstPage.header("Link")));
    assertThat(second.json().get(0).get("id").asLong())
        .isGreaterThan(firstPage.json().get(4).get("id").asLong());
    assertThat(second.json())
        .allSatisfy(i -> assertThat(i.get("status").asText()).isEqualTo("PAID"));
  }

  @Test
  void history_lists_status_changes_with_times() {
    database
        .jdbi()
        .useHandle(
            h ->
                h.execute(
                    "update invoice set status = 'PROCESSING', status_reason = 'enqueued', status_actor = 'test' where id = 1"));
    var history = http.get("/rest/v1/invoices/1/history").json();
    assertThat(history).hasSize(2);
    assertThat(history.get(0).get("newStatus").asText()).isEqualTo("PENDING");
    assertThat(history.get(1).get("oldStatus").asText()).isEqualTo("PENDING");
    assertThat(history.get(1).get("newStatus").asText()).isEqualTo("PROCESSING");
    assertThat(history.get(1).get("reason").asText()).isEqualTo("enqueued");
    assertThat(history.get(1).get("actor").asText()).isEqualTo("test");
    assertThat(Instant.parse(history.get(1).get("at").asText())).isNotNull();
    database
        .jdbi()
        .useHandle(
            h ->
                h.execute(
                    "update invoice set status = 'PENDING', status_reason = 'reset', status_actor = 'test' where id = 1"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"abc", "-1", "0", "99999999999999999999", "1.5", "%20", "1e3", "١"})
  void a_bad_id_is_a_400_problem(String id) {
    for (var path : List.of("/rest/v1/invoices/", "/rest/v1/customers/")) {
      var response = http.get(path + id);
      assertProblem(response, 400);
      assertThat(response.json().get("detail").asText()).contains("positive integer id");
    }
    assertProblem(http.get("/rest/v1/invoices/" + id + "/history"), 400);
  }

  @Test
  void an_absent_resource_is_a_404_problem() {
    assertProblem(http.get("/rest/v1/invoices/999999"), 404);
    assertThat(http.get("/rest/v1/invoices/999999").json().get("detail").asText())
        .contains("999999");
    assertProblem(http.get("/rest/v1/invoices/999999/history"), 404);
    assertProblem(http.get("/rest/v1/customers/999999"), 404);
    assertProblem(http.get("/rest/v1/nothing-here"), 404);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/rest/v1/invoices?foo=1",
        "/rest/v1/invoices?status=LOST",
        "/rest/v1/invoices?customerId=x",
        "/rest/v1/invoices?period=2026-13",
        "/rest/v1/invoices?limit=0",
        "/rest/v1/invoices?limit=1001",
        "/rest/v1/invoices?limit=abc",
        "/rest/v1/invoices?cursor=garbage",
        "/rest/v1/invoices?status=PAID&status=PENDING",
        "/rest/v1/customers?currency=XXX",
        "/rest/v1/invoices/1?verbose=true"
      })
  void a_bad_query_is_a_400_problem_naming_the_parameter(String path) {
    var response = http.get(path);
    assertProblem(response, 400);
    assertThat(response.json().get("errors")).isNotEmpty();
  }

  @Test
  void every_invalid_parameter_is_listed_at_once() {
    var response = http.get("/rest/v1/invoices?status=LOST&limit=-3&foo=bar");
    assertProblem(response, 400);
    assertThat(response.json().get("errors").findValuesAsText("field"))
        .containsExactlyInAnyOrder("status", "limit", "foo");
  }

  @ParameterizedTest
  @ValueSource(strings = {"DELETE", "PUT", "PATCH", "POST"})
  void a_wrong_method_is_a_405_problem(String method) {
    var response = http.send(method, "/rest/v1/invoices/1", "{}", "application/json");
    assertProblem(response, 405);
    assertThat(response.json().get("detail").asText()).contains(method);
  }

  @Test
  void problems_never_leak_internals() {
    for (var path :
        List.of("/rest/v1/invoices/abc", "/rest/v1/invoices?cursor=%27;drop", "/rest/v1/x")) {
      var body = http.get(path).body();
      assertThat(body).doesNotContain("Exception", "at dev.", "SQL", "org.jdbi", "postgres");
    }
  }

  static void assertProblem(Http.Response response, int status) {
    assertThat(response.status()).as(response.body()).isEqualTo(status);
    assertThat(response.contentType()).startsWith("application/problem+json");
    var problem = response.json();
    assertThat(problem.get("status").asInt()).isEqualTo(status);
    assertThat(problem.get("title").asText()).isNotBlank();
    assertThat(problem.get("detail").asText()).isNotBlank();
  }

  static String nextLink(String link) {
    if (link == null) {
      return null;
    }
    var matcher = java.util.regex.Pattern.compile("<([^>]+)>; rel=\"next\"").matcher(link);
    return matcher.find() ? matcher.group(1) : null;
  }

  static Map<String, String> unused() {
    return Map.of();
  }
}
