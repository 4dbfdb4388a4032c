package dev.charon.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.auth.Role;
import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.testing.Fixtures;
import dev.charon.testing.Http;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The auth matrix: every route the API serves, with no, a bad, a revoked, a reader and an operator
 * key.
 */
class AuthTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static TestApi api;
  static String revokedKey;
  static long invoice;

  /** A body that passes validation for each write route, so the role decides, not the input. */
  static final Map<String, String> BODIES =
      Map.ofEntries(
          Map.entry("POST /rest/v1/customers", "{\"currency\":\"EUR\"}"),
          Map.entry(
              "POST /rest/v1/invoices",
              "{\"customerId\":1,\"amount\":{\"value\":\"1.00\",\"currency\":\"EUR\"}}"),
          Map.entry("POST /rest/v1/billing-runs", "{\"period\":\"2026-10\"}"),
          Map.entry("POST /rest/v1/invoices/{id}/retry", "{\"reason\":\"auth test\"}"),
          Map.entry("POST /rest/v1/invoices/{id}/void", "{\"reason\":\"auth test\"}"),
          Map.entry("POST /rest/v1/invoices/{id}/mark-uncollectible", "{\"reason\":\"auth test\"}"),
          Map.entry("POST /rest/v1/customers/{id}/payment-method", "{\"reference\":\"pm_auth\"}"),
          Map.entry("POST /rest/v1/invoices/{id}/refunds", "{\"reason\":\"auth test\"}"),
          Map.entry(
              "POST /rest/v1/invoices/{id}/credit-notes",
              "{\"amount\":{\"value\":\"1.00\",\"currency\":\"EUR\"},\"reason\":\"auth test\"}"),
          Map.entry(
              "POST /rest/v1/customers/{id}/subscriptions",
              "{\"amount\":{\"value\":\"1.00\",\"currency\":\"EUR\"},\"startDate\":\"2026-12-01\"}"),
          Map.entry("POST /rest/v1/subscriptions/{id}/cancel", "{\"reason\":\"auth test\"}"),
          Map.entry("POST /rest/v1/test-clock", "{}"),
          Map.entry("POST /rest/v1/test-clock/advance", "{\"to\":\"2030-01-01T00:00:00Z\"}"),
          Map.entry(
              "POST /rest/v1/webhook-endpoints",
              "{\"url\":\"https://203.0.113.10/hooks\",\"eventTypes\":[\"invoice.paid\"]}"),
          Map.entry("POST /rest/v1/webhook-endpoints/{id}/disable", "{}"),
          Map.entry("POST /rest/v1/webhook-endpoints/{id}/enable", "{}"),
          Map.entry("POST /rest/v1/webhook-endpoints/{id}/rotate-secret", "{}"),
          Map.entry("POST /rest/v1/webhook-endpoints/{id}/deliveries/{deliveryId}/retry", "{}"));

  static final List<String> OPEN =
      List.of(
          "GET /rest/health",
          "GET /health/live",
          "GET /health/ready",
          "GET /metrics",
          "GET /openapi.json",
          "GET /",
          "GET /docs");

  @BeforeAll
  static void start() {
    var fixtures = new Fixtures(db.jdbi());
    invoice = fixtures.invoice().status(InvoiceStatus.ACTION_REQUIRED).create();
    api = TestApi.start(db.jdbi(), Clock.systemUTC());
    revokedKey = api.keys().create(Role.OPERATOR, "to-revoke").secret();
    api.keys().revoke("to-revoke");
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  static Stream<String> routes() {
    return api.routes().stream().filter(route -> !OPEN.contains(route));
  }

  @Test
  void the_matrix_covers_every_route_the_api_serves() {
    assertThat(routes()).hasSizeGreaterThanOrEqualTo(14);
    assertThat(routes().filter(r -> r.startsWith("POST")))
        .allSatisfy(route -> assertThat(BODIES).containsKey(route));
  }

  @ParameterizedTest
  @MethodSource("routes")
  void without_a_valid_key_every_route_is_401(String route) {
    for (var client :
        List.of(
            api.anonymous(),
            api.anonymous().bearer("chk_not-a-key"),
            api.anonymous().bearer(revokedKey),
            api.anonymous().withHeader("Authorization", "Basic dXNlcjpwYXNz"))) {
      var response = call(client, route);
      assertThat(response.status()).as(route + ": " + response.body()).isEqualTo(401);
      assertThat(response.contentType()).startsWith("application/problem+json");
      assertThat(response.header("WWW-Authenticate")).startsWith("Bearer");
      assertThat(response.json().get("detail").asText()).isNotBlank().doesNotContain("chk_");
    }
  }

  @ParameterizedTest
  @MethodSource("routes")
  void a_reader_reads_and_is_refused_writes_with_403(String route) {
    var response = call(api.reader(), route);
    if (route.startsWith("GET")) {
      assertThat(response.status()).as(route + ": " + response.body()).isIn(200, 404);
    } else {
      assertThat(response.status()).as(route + ": " + response.body()).isEqualTo(403);
      assertThat(response.contentType()).startsWith("application/problem+json");
      assertThat(response.json().get("detail").asText()).contains("reader").contains("operator");
    }
  }

  @ParameterizedTest
  @MethodSource("routes")
  void an_operator_passes_on_every_route(String route) {
    var response = call(api.operator(), route);
    assertThat(response.status())
        .as(route + ": " + response.body())
        .isNotIn(401, 403)
        .isLessThan(500);
  }

  @Test
  void probes_metrics_and_the_api_description_need_no_key() {
    for (var route : List.of("GET /rest/health", "GET /metrics")) {
      assertThat(call(api.anonymous(), route).status()).as(route).isNotIn(401, 403);
    }
  }

  @Test
  void the_console_pages_and_assets_need_no_key_but_its_data_does() {
    for (var path :
        List.of(
            "/",
            "/docs",
            "/console/app.js",
            "/console/style.css",
            "/webjars/uplot/1.6.30/dist/uPlot.esm.js")) {
      var response = api.anonymous().get(path);
      assertThat(response.status()).as(path).isEqualTo(200);
    }
    assertThat(api.anonymous().get("/").contentType()).startsWith("text/html");
    assertThat(api.anonymous().get("/console/app.js").contentType()).contains("javascript");
    assertThat(api.anonymous().get("/").body())
        .contains("/webjars/uplot/1.6.30/")
        .doesNotContain("${");
    assertThat(api.anonymous().get("/console/nope.js").status()).isEqualTo(404);
    for (var path : List.of("/rest/v1/me", "/rest/v1/collection", "/rest/v1/invoices/1/attempts")) {
      assertThat(api.anonymous().get(path).status()).as(path).isEqualTo(401);
    }
    // An open prefix must not open what lies beside it.
    assertThat(api.anonymous().get("/console/../rest/v1/invoices").status()).isIn(400, 401, 404);
  }

  @Test
  void me_names_the_key_and_its_role_and_never_the_secret() {
    var operator = api.operator().get("/rest/v1/me");
    assertThat(operator.status()).isEqualTo(200);
    assertThat(operator.json().get("name").asText()).isEqualTo("test-operator");
    assertThat(operator.json().get("role").asText()).isEqualTo("operator");
    assertThat(operator.json().get("actor").asText()).isEqualTo("api-key:test-operator");
    assertThat(operator.json().get("prefix").asText()).startsWith("chk_").hasSize(10);
    assertThat(api.reader().get("/rest/v1/me").json().get("role").asText()).isEqualTo("reader");
  }

  @Test
  void a_revoked_key_stops_working_at_once() {
    var key = api.keys().create(Role.READER, "short-lived").secret();
    var client = api.anonymous().bearer(key);
    assertThat(client.get("/rest/v1/invoices?limit=1").status()).isEqualTo(200);
    api.keys().revoke("short-lived");
    assertThat(client.get("/rest/v1/invoices?limit=1").status()).isEqualTo(401);
  }

  @Test
  void only_the_hash_of_a_secret_is_stored() {
    var created = api.keys().create(Role.READER, "hashed");
    var stored =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "select concat_ws(' ', name, role, prefix, encode(secret_hash, 'escape')) from api_key where name = 'hashed'")
                        .mapTo(String.class)
                        .one());
    assertThat(stored).doesNotContain(created.secret().substring(10));
  }

  private static Http.Response call(Http client, String route) {
    var method = route.substring(0, route.indexOf(' '));
    var path =
        route
            .substring(route.indexOf(' ') + 1)
            .replace("{id}", String.valueOf(invoice))
            .replace("{deliveryId}", String.valueOf(invoice));
    return method.equals("GET")
        ? client.get(path)
        : client.send(method, path, BODIES.get(route), "application/json");
  }
}
