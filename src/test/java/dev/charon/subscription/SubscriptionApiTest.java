package dev.charon.subscription;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.money.Currency;
import dev.charon.testing.Fixtures;
import dev.charon.testing.Http;
import dev.charon.testing.MutableClock;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Subscriptions through the REST API: create, read, list, cancel, and bad input refused. */
class SubscriptionApiTest {
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
  void a_subscription_is_created_read_listed_and_cancelled_once() {
    long customer = fixtures.customer(Currency.EUR);
    var created =
        operator.post(
            "/rest/v1/customers/" + customer + "/subscriptions",
            "{\"amount\":{\"value\":\"29.00\",\"currency\":\"EUR\"},\"startDate\":\"2026-12-01\"}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    long id = created.json().get("id").asLong();
    assertThat(created.header("Location")).isEqualTo("/rest/v1/subscriptions/" + id);
    var read = operator.get("/rest/v1/subscriptions/" + id).json();
    assertThat(read.get("amount").get("minorUnits").asLong()).isEqualTo(2900);
    assertThat(read.get("interval").asText()).isEqualTo("MONTHLY");
    assertThat(read.get("status").asText()).isEqualTo("ACTIVE");
    assertThat(read.get("endDate").isNull()).isTrue();
    assertThat(api.reader().get("/rest/v1/customers/" + customer + "/subscriptions").json())
        .hasSize(1);

    var cancelled =
        operator.post("/rest/v1/subscriptions/" + id + "/cancel", "{\"reason\":\"customer left\"}");
    assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
    assertThat(cancelled.json().get("status").asText()).isEqualTo("CANCELLED");
    assertThat(cancelled.json().get("cancelledAt").asText()).isEqualTo("2026-11-20T10:00:00Z");
    var again =
        operator.post("/rest/v1/subscriptions/" + id + "/cancel", "{\"reason\":\"customer left\"}");
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.contentType()).startsWith("application/problem+json");
  }

  @Test
  void bad_subscriptions_are_refused_with_a_problem_and_nothing_is_stored() {
    long customer = fixtures.customer(Currency.EUR);
    var path = "/rest/v1/customers/" + customer + "/subscriptions";
    var wrongCurrency =
        operator.post(
            path,
            "{\"amount\":{\"value\":\"29.00\",\"currency\":\"USD\"},\"startDate\":\"2026-12-01\"}");
    assertThat(wrongCurrency.status()).isEqualTo(422);
    assertThat(wrongCurrency.json().toString()).contains("billed in EUR");
    var endsBeforeStart =
        operator.post(
            path,
            "{\"amount\":{\"value\":\"29.00\",\"currency\":\"EUR\"},\"startDate\":\"2026-12-01\",\"endDate\":\"2026-11-01\"}");
    assertThat(endsBeforeStart.status()).isEqualTo(400);
    var yearly =
        operator.post(
            path,
            "{\"amount\":{\"value\":\"29.00\",\"currency\":\"EUR\"},\"startDate\":\"2026-12-01\",\"interval\":\"yearly\"}");
    assertThat(yearly.status()).isEqualTo(400);
    var zero =
        operator.post(
            path,
            "{\"amount\":{\"value\":\"0\",\"currency\":\"EUR\"},\"startDate\":\"2026-12-01\"}");
    assertThat(zero.status()).isEqualTo(400);
    assertThat(zero.contentType()).startsWith("application/problem+json");
    assertThat(
            operator
                .post(
                    "/rest/v1/customers/99999/subscriptions",
                    "{\"amount\":{\"value\":\"1.00\",\"currency\":\"EUR\"},\"startDate\":\"2026-12-01\"}")
                .status())
        .isEqualTo(404);
    assertThat(operator.get("/rest/v1/customers/99999/subscriptions").status()).isEqualTo(404);
    assertThat(operator.get("/rest/v1/subscriptions/99999").status()).isEqualTo(404);
    assertThat(operator.get(path).json()).isEmpty();
  }
}
