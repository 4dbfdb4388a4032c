package dev.charon.billing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.charon.money.Currency;
import dev.charon.testing.Fixtures;
import dev.charon.testing.Http;
import dev.charon.testing.MutableClock;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BillingRunApiTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static final MutableClock clock = new MutableClock(Instant.parse("2026-11-20T10:00:00Z"));
  static BillingRuns runs;
  static TestApi api;
  static Http http;

  private final Fixtures fixtures = new Fixtures(db.jdbi());

  @BeforeAll
  static void start() {
    runs =
        new BillingRuns(db.jdbi(), clock, java.time.ZoneOffset.UTC, 100, new SimpleMeterRegistry());
    api = TestApi.start(db.jdbi(), clock);
    http = api.operator();
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
  void posting_a_period_creates_its_run_once_then_answers_the_existing_run() {
    var created = post("{\"period\":\"2026-11\"}");
    assertThat(created.status()).isEqualTo(201);
    var run = created.json();
    assertThat(created.header("Location"))
        .isEqualTo("/rest/v1/billing-runs/" + run.get("id").asLong());
    assertThat(run.get("period").asText()).isEqualTo("2026-11");
    assertThat(run.get("state").asText()).isEqualTo("STARTED");
    assertThat(run.get("startedBy").asText()).isEqualTo("api-key:test-operator");
    assertThat(run.get("cutoff").asText()).isEqualTo("2026-11-20");

    var again = post("{\"period\":\"2026-11\"}");
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().get("id").asLong()).isEqualTo(run.get("id").asLong());
    assertThat(count("select count(*) from billing_run")).isEqualTo(1);
  }

  @Test
  void a_period_started_by_the_schedule_is_answered_with_200_and_keeps_who_started_it() {
    runs.startOrJoin(YearMonth.of(2026, 10), "schedule");
    var response = post("{\"period\":\"2026-10\"}");
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json().get("startedBy").asText()).isEqualTo("schedule");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"period\":\"2026-13\"}                  | period",
        "{\"period\":\"Nov 2026\"}                 | period",
        "{\"period\":\"2027-01\"}                  | period",
        "{\"period\":202611}                       | period",
        "{}                                        | period",
      })
  void a_bad_period_is_a_400_naming_the_field(String body, String field) {
    var response = post(body);
    assertProblem(response, 400);
    assertThat(fields(response.json())).containsExactly(field);
    assertThat(count("select count(*) from billing_run")).isZero();
  }

  @Test
  void unknown_fields_are_all_listed_in_one_400() {
    var response = post("{\"period\":\"2026-13\",\"force\":true,\"dryRun\":1}");
    assertProblem(response, 400);
    assertThat(fields(response.json())).containsExactlyInAnyOrder("force", "dryRun", "period");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"period\":",
        "[\"2026-11\"]",
        "not json",
        "{\"period\":\"2026-11\"} {}",
        "{\"period\":\"2026-10\",\"period\":\"2026-11\"}"
      })
  void a_body_that_is_not_one_json_object_is_a_400(String body) {
    assertProblem(post(body), 400);
  }

  @Test
  void a_body_that_is_not_json_by_content_type_is_a_415() {
    var response =
        http.send("POST", "/rest/v1/billing-runs", "{\"period\":\"2026-11\"}", "text/plain");
    assertProblem(response, 415);
    assertProblem(
        http.send(
            "POST", "/rest/v1/billing-runs", "period=2026-11", "application/x-www-form-urlencoded"),
        415);
    assertThat(count("select count(*) from billing_run")).isZero();
  }

  @Test
  void json_with_a_charset_is_accepted() {
    var response =
        http.send(
            "POST",
            "/rest/v1/billing-runs",
            "{\"period\":\"2026-11\"}",
            "application/json; charset=utf-8");
    assertThat(response.status()).isEqualTo(201);
  }

  @Test
  void a_run_shows_live_progress_equal_to_the_database() {
    long eur = fixtures.customer(Currency.EUR);
    long jpy = fixtures.customer(Currency.JPY);
    for (int i = 0; i < 4; i++) {
      fixtures.invoice().forCustomer(eur).amount(1050 + i).create();
    }
    fixtures.invoice().forCustomer(jpy).amount(1500).create();
    fixtures.invoice().forCustomer(jpy).amount(700).create();
    var run = runs.produce(runs.startOrJoin(YearMonth.of(2026, 11), "cli").run());
    // Two EUR and one JPY invoice paid, one EUR declined; the rest still in flight.
    db.jdbi()
        .useHandle(
            h -> {
              h.execute(
                  "update invoice set status = 'PAID', paid_at = now(), status_reason = 'test' where id in "
                      + "(select id from invoice where currency = 'EUR' order by id limit 2) or (currency = 'JPY' and amount_minor = 1500)");
              h.execute(
                  "update invoice set status = 'RETRY_SCHEDULED', next_attempt_at = now() + interval '1 day', status_reason = 'test' "
                      + "where id = (select max(id) from invoice where currency = 'EUR')");
            });
    clock.advance(Duration.ofSeconds(90));

    var response = http.get("/rest/v1/billing-runs/" + run.id());
    assertThat(response.status()).isEqualTo(200);
    var body = response.json();
    var progress = body.get("progress");
    assertThat(body.get("enqueued").asLong()).isEqualTo(count("select enqueued from billing_run"));
    assertThat(progress.get("invoices").asLong())
        .isEqualTo(count("select count(*) from invoice where billing_run_id = " + run.id()));
    assertThat(progress.get("byStatus").get("PAID").asLong())
        .isEqualTo(count("select count(*) from invoice where status = 'PAID'"));
    assertThat(progress.get("byStatus").get("PROCESSING").asLong())
        .isEqualTo(count("select count(*) from invoice where status = 'PROCESSING'"));
    assertThat(progress.get("byStatus").get("RETRY_SCHEDULED").asLong()).isEqualTo(1);
    assertThat(progress.get("inFlight").asLong()).isEqualTo(2);
    assertThat(progress.get("settled").asLong()).isEqualTo(4);
    assertThat(progress.get("paid").get("EUR").asText())
        .isEqualTo(
            decimal(
                "select sum(amount_minor) from invoice where status = 'PAID' and currency = 'EUR'",
                2))
        .isEqualTo("21.01");
    assertThat(progress.get("paid").get("JPY").asText()).isEqualTo("1500");
    assertThat(progress.get("billed").get("EUR").asText())
        .isEqualTo(decimal("select sum(amount_minor) from invoice where currency = 'EUR'", 2));
    assertThat(progress.get("billed").get("JPY").asText()).isEqualTo("2200");
    assertThat(progress.get("elapsedSeconds").decimalValue()).isEqualByComparingTo("90");
  }

  @Test
  void runs_are_listed_in_pages_with_a_cursor() {
    for (int month = 1; month <= 3; month++) {
      runs.startOrJoin(YearMonth.of(2026, month), "cli");
    }
    var first = http.get("/rest/v1/billing-runs?limit=2");
    assertThat(first.status()).isEqualTo(200);
    assertThat(periods(first.json())).containsExactly("2026-01", "2026-02");
    var cursor = first.header("X-Next-Cursor");
    assertThat(cursor).isNotNull();
    var second = http.get("/rest/v1/billing-runs?limit=2&cursor=" + cursor);
    assertThat(periods(second.json())).containsExactly("2026-03");
    assertThat(second.header("X-Next-Cursor")).isNull();
  }

  @Test
  void a_missing_or_malformed_run_id_is_a_problem() {
    assertProblem(http.get("/rest/v1/billing-runs/999"), 404);
    assertProblem(http.get("/rest/v1/billing-runs/abc"), 400);
    assertProblem(http.get("/rest/v1/billing-runs?limit=0"), 400);
    assertProblem(http.get("/rest/v1/billing-runs?sort=period"), 400);
  }

  private static Http.Response post(String body) {
    return http.send("POST", "/rest/v1/billing-runs", body, "application/json");
  }

  private static void assertProblem(Http.Response response, int status) {
    assertThat(response.status()).as(response.body()).isEqualTo(status);
    assertThat(response.contentType()).startsWith("application/problem+json");
    assertThat(response.json().get("status").asInt()).isEqualTo(status);
    assertThat(response.json().get("detail").asText()).isNotBlank();
  }

  private static List<String> fields(JsonNode problem) {
    var fields = new ArrayList<String>();
    problem.get("errors").forEach(e -> fields.add(e.get("field").asText()));
    return fields;
  }

  private static List<String> periods(JsonNode list) {
    var periods = new ArrayList<String>();
    list.forEach(run -> periods.add(run.get("period").asText()));
    return periods;
  }

  private static long count(String sql) {
    return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
  }

  private static String decimal(String sql, int scale) {
    return BigDecimal.valueOf(count(sql), scale).toPlainString();
  }
}
