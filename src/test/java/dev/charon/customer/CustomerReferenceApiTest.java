package dev.charon.customer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.testing.Http;
import dev.charon.testing.MutableClock;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A customer's provider reference (its Stripe customer id) over the API: set, changed, cleared,
 * refused.
 */
class CustomerReferenceApiTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static TestApi api;
  static Http operator;

  @BeforeAll
  static void start() {
    api = TestApi.start(db.jdbi(), new MutableClock(Instant.parse("2026-11-20T10:00:00Z")));
    operator = api.operator();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  long create(String body) {
    var created = operator.post("/rest/v1/customers", body);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return created.json().get("id").asLong();
  }

  Http.Response patch(long id, String body) {
    return operator.send("PATCH", "/rest/v1/customers/" + id, body, "application/json");
  }

  @Test
  void a_reference_set_on_create_reads_back_and_a_customer_without_one_reads_null() {
    long mapped = create("{\"currency\":\"EUR\",\"providerReference\":\"cus_QxY1\"}");
    long unmapped = create("{\"currency\":\"EUR\"}");

    assertThat(
            operator.get("/rest/v1/customers/" + mapped).json().get("providerReference").asText())
        .isEqualTo("cus_QxY1");
    assertThat(
            operator.get("/rest/v1/customers/" + unmapped).json().get("providerReference").isNull())
        .isTrue();
  }

  @Test
  void patch_sets_changes_and_clears_the_reference_and_keeps_what_it_does_not_name() {
    long id = create("{\"currency\":\"JPY\",\"name\":\"Kumo KK\"}");

    var set = patch(id, "{\"providerReference\":\"cus_A1\"}");
    assertThat(set.status()).as(set.body()).isEqualTo(200);
    assertThat(set.json().get("providerReference").asText()).isEqualTo("cus_A1");
    assertThat(set.json().get("name").asText()).isEqualTo("Kumo KK");

    var renamed = patch(id, "{\"name\":\"Kumo Holdings KK\"}");
    assertThat(renamed.json().get("providerReference").asText()).isEqualTo("cus_A1");

    var cleared = patch(id, "{\"providerReference\":null}");
    assertThat(cleared.status()).isEqualTo(200);
    assertThat(operator.get("/rest/v1/customers/" + id).json().get("providerReference").isNull())
        .isTrue();
    assertThat(operator.get("/rest/v1/customers/" + id).json().get("name").asText())
        .isEqualTo("Kumo Holdings KK");
  }

  @Test
  void a_bad_reference_is_a_problem_naming_the_field_and_changes_nothing() {
    long id = create("{\"currency\":\"EUR\",\"providerReference\":\"cus_keep\"}");

    for (var body :
        new String[] {
          "{\"providerReference\":\"cus 1\"}",
          "{\"providerReference\":42}",
          "{\"providerReference\":\"" + "x".repeat(256) + "\"}",
          "{}",
          "{\"currency\":\"USD\"}"
        }) {
      var refused = patch(id, body);
      assertThat(refused.status()).as(body).isEqualTo(400);
      assertThat(refused.contentType()).startsWith("application/problem+json");
      assertThat(refused.body()).as(body).containsAnyOf("providerReference", "currency");
    }
    var created =
        operator.post(
            "/rest/v1/customers", "{\"currency\":\"EUR\",\"providerReference\":\"cus\\n1\"}");
    assertThat(created.status()).isEqualTo(400);
    assertThat(operator.get("/rest/v1/customers/" + id).json().get("providerReference").asText())
        .isEqualTo("cus_keep");
  }

  @Test
  void patching_a_customer_that_does_not_exist_is_404_and_reading_roles_cannot_patch() {
    assertThat(patch(999_999, "{\"providerReference\":\"cus_1\"}").status()).isEqualTo(404);
    long id = create("{\"currency\":\"EUR\"}");
    assertThat(
            api.reader()
                .send(
                    "PATCH",
                    "/rest/v1/customers/" + id,
                    "{\"providerReference\":\"cus_1\"}",
                    "application/json")
                .status())
        .isEqualTo(403);
  }
}
