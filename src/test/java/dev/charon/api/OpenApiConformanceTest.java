package dev.charon.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.charon.auth.AuthSettings;
import dev.charon.billing.BillingRuns;
import dev.charon.config.Env;
import dev.charon.money.Currency;
import dev.charon.ops.Metrics;
import dev.charon.ops.OpsRoutes;
import dev.charon.seed.Seeder;
import dev.charon.testing.Fixtures;
import dev.charon.testing.Http;
import dev.charon.testing.MutableClock;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import dev.charon.webhooks.WebhookSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Keeps {@code /openapi.json} true: it documents exactly the routes the server serves, and every
 * documented operation, called for real on a seeded database, answers with a status the document
 * declares for it and a body and headers that validate against what it declares for that status.
 */
class OpenApiConformanceTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static final MutableClock clock = new MutableClock(Instant.parse("2026-11-20T10:00:00Z"));
  static final AtomicBoolean databaseUp = new AtomicBoolean(true);
  static final List<String> OPS_ROUTES =
      List.of("GET /metrics", "GET /health/live", "GET /health/ready");
  static final OpenApiDocument doc = OpenApiDocument.fromResource();

  /** "OPERATION -> status" of every checked call, to see what the test covered. */
  static final Set<String> covered = new ConcurrentSkipListSet<>();

  static TestApi api;
  static Http operator;
  static Http reader;
  static Http anonymous;
  static Fixtures fixtures;

  @BeforeAll
  static void start() {
    new Seeder(db.jdbi(), Clock.fixed(Instant.parse("2026-11-01T00:00:00Z"), ZoneOffset.UTC))
        .seed(30, 5, 0.3);
    fixtures = new Fixtures(db.jdbi());
    Map<String, BooleanSupplier> readiness =
        Map.of("database", databaseUp::get, "scheduler", () -> true);
    var webhooks =
        new WebhookSettings(
            Optional.of(new byte[32]), true, 4, Duration.ofMillis(50), Duration.ofSeconds(15));
    var events = new dev.charon.provider.ProviderEvents(db.jdbi());
    var metrics = Metrics.registry("test");
    var applier =
        new dev.charon.provider.ProviderEventApplier(
            events,
            new dev.charon.refund.ProviderFacts(db.jdbi(), clock, metrics),
            dev.charon.provider.PaymentIntentSettlement.NONE,
            clock,
            metrics);
    api =
        TestApi.start(
            db.jdbi(),
            clock,
            webhooks,
            new OpsRoutes(metrics, readiness),
            new dev.charon.provider.ProviderEventRoutes(
                events,
                applier,
                new dev.charon.provider.ProviderEventSettings(
                    Optional.of(dev.charon.testing.StripeEvents.SECRET),
                    Optional.of(dev.charon.testing.StripeEvents.SECRET)),
                metrics),
            // Served with CHARON_PROVIDER=stripe; no invoice here waits on an intent, so Stripe
            // (a closed port) is never asked.
            new dev.charon.provider.PaymentIntentRoutes(
                db.jdbi(),
                new dev.charon.payment.stripe.PaymentIntentLookup(
                    new dev.charon.payment.stripe.StripeSettings(
                        "sk_test_conformance",
                        java.net.URI.create("http://127.0.0.1:9"),
                        java.time.Duration.ofSeconds(1),
                        java.time.Duration.ofSeconds(1),
                        dev.charon.payment.stripe.StripeApi.PAYMENT_INTENTS)),
                metrics));
    operator = api.operator();
    reader = api.reader();
    anonymous = api.anonymous();
  }

  @AfterAll
  static void stop() {
    api.close();
    System.out.println(
        "OpenAPI conformance covered " + covered.size() + " operation/status pairs: " + covered);
  }

  @Test
  void the_document_is_openapi_3_1_with_components_and_bearer_security() {
    var root = doc.root();
    assertThat(root.path("openapi").asText()).isEqualTo("3.1.0");
    assertThat(root.path("info").path("title").isTextual()).isTrue();
    assertThat(
            root.path("components").path("securitySchemes").path("apiKey").path("scheme").asText())
        .isEqualTo("bearer");
    assertThat(root.path("security").toString()).isEqualTo("[{\"apiKey\":[]}]");
    var open = AuthSettings.from(new Env(Map.of()));
    for (var operation : doc.operations()) {
      var op = doc.operation(operation).node();
      var path = operation.split(" ", 2)[1];
      if (open.isOpen(path) || signed(operation)) {
        assertThat(op.path("security").toString()).as(operation + " is open").isEqualTo("[]");
      } else {
        assertThat(op.has("security"))
            .as(operation + " needs the global API key security")
            .isFalse();
        assertThat(op.path("responses").has("401")).as(operation + " declares 401").isTrue();
      }
      assertThat(op.path("responses").has("200") || op.path("responses").has("201"))
          .as(operation)
          .isTrue();
    }
  }

  @Test
  void every_ref_resolves_and_every_schema_is_json_schema_2020_12() {
    assertThat(doc.danglingRefs()).isEmpty();
    assertThat(doc.invalidSchemas()).isEmpty();
    var broken =
        new OpenApiDocument(
            "{\"openapi\":\"3.1.0\",\"paths\":{},\"components\":{\"schemas\":"
                + "{\"A\":{\"type\":\"thing\",\"required\":\"id\"},\"B\":{\"$ref\":\"#/components/schemas/C\"}}}}");
    assertThat(broken.invalidSchemas()).hasSizeGreaterThanOrEqualTo(2);
    assertThat(broken.danglingRefs()).containsExactly("#/components/schemas/C");
  }

  @Test
  void every_post_takes_an_idempotency_key_and_a_closed_json_body() {
    // The provider's signed events are the exception: the provider's event id is their key, and
    // their body is the provider's event (open).
    var posts = doc.operations().stream().filter(o -> o.startsWith("POST ") && !signed(o)).toList();
    assertThat(posts).isNotEmpty();
    for (var post : posts) {
      var names = new ArrayList<String>();
      doc.operation(post)
          .node()
          .path("parameters")
          .forEach(
              p ->
                  names.add(
                      doc.resolve(new OpenApiDocument.Located(p, ""))
                          .node()
                          .path("name")
                          .asText()));
      assertThat(names).as(post).contains("Idempotency-Key");
      var body = doc.resolve(doc.operation(post).at("requestBody"));
      var schema = doc.resolve(body.at("content", "application/json", "schema"));
      assertThat(body.node().path("required").asBoolean()).as(post).isTrue();
      assertThat(schema.node().path("additionalProperties").asBoolean(true))
          .as(post + " refuses unknown fields")
          .isFalse();
      for (int status : new int[] {400, 401, 403, 413, 415, 422}) {
        assertThat(doc.response(post, status).missing()).as(post + " declares " + status).isFalse();
      }
    }
  }

  /** A POST authenticated by the provider's signature instead of an API key. */
  private static boolean signed(String operation) {
    var parts = operation.split(" ", 2);
    return AuthSettings.isSigned(parts[0], parts[1]);
  }

  @Test
  void a_signed_provider_event_answers_as_documented() {
    var id = dev.charon.testing.StripeEvents.eventId();
    var body = dev.charon.testing.StripeEvents.event(id, "customer.created", "{\"id\":\"cus_1\"}");
    var signedAnonymous =
        anonymous.withHeader("Stripe-Signature", dev.charon.testing.StripeEvents.signature(body));
    var first =
        check(
            "POST /rest/v1/provider-events/stripe",
            signedAnonymous.post("/rest/v1/provider-events/stripe", body),
            200);
    assertThat(first.json().path("duplicate").asBoolean()).isFalse();
    check(
        "POST /rest/v1/provider-events/stripe",
        signedAnonymous.post("/rest/v1/provider-events/stripe", body),
        200);
    check(
        "POST /rest/v1/provider-events/gateway",
        anonymous
            .withHeader("Stripe-Signature", "t=1,v1=00")
            .post("/rest/v1/provider-events/gateway", body),
        400);
    check(
        "GET /rest/v1/provider-events",
        reader.get("/rest/v1/provider-events?provider=stripe"),
        200);
    check("GET /rest/v1/provider-events", reader.get("/rest/v1/provider-events?status=nope"), 400);
  }

  @Test
  void documented_operations_are_exactly_the_routes_the_server_serves() {
    assertThat(api.routes())
        .doesNotHaveDuplicates()
        .containsAll(OPS_ROUTES)
        .contains("GET /openapi.json");
    assertThat(new TreeSet<>(doc.operations())).isEqualTo(new TreeSet<>(api.routes()));
  }

  @Test
  void the_served_document_is_the_resource() {
    var served = check("GET /openapi.json", anonymous.get("/openapi.json"), 200);
    assertThat(served.contentType()).startsWith("application/json");
    assertThat(served.json()).isEqualTo(doc.root());
  }

  @Test
  void ops_routes_answer_as_documented() {
    check("GET /rest/health", anonymous.get("/rest/health"), 200);
    check("GET /metrics", anonymous.get("/metrics"), 200);
    check("GET /health/live", anonymous.get("/health/live"), 200);
    check("GET /health/ready", anonymous.get("/health/ready"), 200);
    databaseUp.set(false);
    try {
      check("GET /health/ready", anonymous.get("/health/ready"), 503);
    } finally {
      databaseUp.set(true);
    }
  }

  @Test
  void customers_answer_as_documented() {
    var page = check("GET /rest/v1/customers", reader.get("/rest/v1/customers?limit=7"), 200);
    assertThat(page.header("Link")).isNotNull();
    check(
        "GET /rest/v1/customers",
        reader.get("/rest/v1/customers?limit=7&cursor=" + page.header("X-Next-Cursor")),
        200);
    check("GET /rest/v1/customers", reader.get("/rest/v1/customers?currency=eur"), 200);
    check(
        "GET /rest/v1/customers",
        reader.get("/rest/v1/customers?currency=XXX&limit=0&cursor=nope"),
        400);

    var named = "{\"currency\":\"EUR\",\"name\":\"Nordlys ApS\"}";
    var key = operator.withHeader("Idempotency-Key", "customer-" + System.nanoTime());
    var created = post(key, "POST /rest/v1/customers", "/rest/v1/customers", named, 201);
    assertThat(created.header("Location")).isNotNull();
    var replayed = post(key, "POST /rest/v1/customers", "/rest/v1/customers", named, 201);
    assertThat(replayed.header("Idempotent-Replayed")).isEqualTo("true");
    check("POST /rest/v1/customers", key.post("/rest/v1/customers", "{\"currency\":\"USD\"}"), 422);
    var unnamed =
        post(
            operator,
            "POST /rest/v1/customers",
            "/rest/v1/customers",
            "{\"currency\":\"JPY\"}",
            201);
    assertThat(unnamed.json().get("name").isNull()).isTrue();

    check("GET /rest/v1/customers/{id}", reader.get(created.header("Location")), 200);
    check("GET /rest/v1/customers/{id}", reader.get(unnamed.header("Location")), 200);
    check("GET /rest/v1/customers/{id}", reader.get("/rest/v1/customers/99999999"), 404);
    check("GET /rest/v1/customers/{id}", reader.get("/rest/v1/customers/-1"), 400);
  }

  @Test
  void invoices_answer_as_documented() {
    var page = check("GET /rest/v1/invoices", reader.get("/rest/v1/invoices?limit=3"), 200);
    check(
        "GET /rest/v1/invoices",
        reader.get("/rest/v1/invoices?limit=3&cursor=" + page.header("X-Next-Cursor")),
        200);
    assertThat(
            check("GET /rest/v1/invoices", reader.get("/rest/v1/invoices?status=PAID&limit=5"), 200)
                .json())
        .isNotEmpty();
    check("GET /rest/v1/invoices", reader.get("/rest/v1/invoices?status=retry_scheduled"), 200);
    check(
        "GET /rest/v1/invoices", reader.get("/rest/v1/invoices?customerId=3&period=2026-11"), 200);
    check(
        "GET /rest/v1/invoices",
        reader.get("/rest/v1/invoices?status=LOST&period=2026-13&customerId=0"),
        400);

    long eur = fixtures.customer(Currency.EUR);
    long yen = fixtures.customer(Currency.JPY);
    var created =
        post(
            operator,
            "POST /rest/v1/invoices",
            "/rest/v1/invoices",
            "{\"customerId\":" + eur + ",\"amount\":{\"value\":\"12.50\",\"currency\":\"EUR\"}}",
            201);
    post(
        operator,
        "POST /rest/v1/invoices",
        "/rest/v1/invoices",
        "{\"customerId\":"
            + yen
            + ",\"amount\":{\"value\":\"1200\",\"currency\":\"JPY\"},\"billingPeriod\":\"2026-10\",\"dueDate\":\"2026-10-15\"}",
        201);
    check(
        "POST /rest/v1/invoices",
        operator.post(
            "/rest/v1/invoices",
            "{\"customerId\":99999999,\"amount\":{\"value\":\"1\",\"currency\":\"EUR\"}}"),
        422);
    check(
        "POST /rest/v1/invoices",
        operator.post(
            "/rest/v1/invoices",
            "{\"customerId\":" + yen + ",\"amount\":{\"value\":\"1\",\"currency\":\"EUR\"}}"),
        422);

    var location = created.header("Location");
    check("GET /rest/v1/invoices/{id}", reader.get(location), 200);
    check("GET /rest/v1/invoices/{id}", reader.get(firstInvoice("PAID")), 200);
    check("GET /rest/v1/invoices/{id}", reader.get("/rest/v1/invoices/99999999"), 404);
    check("GET /rest/v1/invoices/{id}", reader.get("/rest/v1/invoices/x1"), 400);
    check("GET /rest/v1/invoices/{id}/history", reader.get(location + "/history"), 200);
    check(
        "GET /rest/v1/invoices/{id}/history",
        reader.get("/rest/v1/invoices/99999999/history"),
        404);

    var reason = "{\"reason\":\"customer asked\"}";
    post(
        operator,
        "POST /rest/v1/invoices/{id}/mark-uncollectible",
        location + "/mark-uncollectible",
        reason,
        200);
    var retried =
        post(operator, "POST /rest/v1/invoices/{id}/retry", location + "/retry", reason, 200);
    assertThat(retried.json().get("nextAttemptAt").isNull()).isFalse();
    check("POST /rest/v1/invoices/{id}/retry", operator.post(location + "/retry", reason), 409);
    var key = operator.withHeader("Idempotency-Key", "void-" + System.nanoTime());
    post(key, "POST /rest/v1/invoices/{id}/void", location + "/void", reason, 200);
    assertThat(
            post(key, "POST /rest/v1/invoices/{id}/void", location + "/void", reason, 200)
                .header("Idempotent-Replayed"))
        .isEqualTo("true");
    check("POST /rest/v1/invoices/{id}/void", operator.post(location + "/void", reason), 409);
    check(
        "POST /rest/v1/invoices/{id}/void",
        key.post(location + "/void", "{\"reason\":\"another reason\"}"),
        422);
    check("POST /rest/v1/invoices/{id}/retry", key.post(location + "/retry", reason), 422);
    check(
        "POST /rest/v1/invoices/{id}/mark-uncollectible",
        key.post(location + "/mark-uncollectible", reason),
        422);
    check(
        "POST /rest/v1/invoices/{id}/mark-uncollectible",
        operator.post("/rest/v1/invoices/99999999/mark-uncollectible", reason),
        404);
    check(
        "POST /rest/v1/invoices/{id}/mark-uncollectible",
        operator.post(location + "/mark-uncollectible", reason),
        409);
    check(
        "POST /rest/v1/invoices/{id}/void",
        operator.post("/rest/v1/invoices/99999999/void", reason),
        404);
    check(
        "POST /rest/v1/invoices/{id}/retry",
        operator.post("/rest/v1/invoices/99999999/retry", reason),
        404);
    check(
        "POST /rest/v1/invoices/{id}/mark-uncollectible",
        operator.post("/rest/v1/invoices/0/mark-uncollectible", reason),
        400);
    check("GET /rest/v1/invoices/{id}/history", reader.get(location + "/history"), 200);
  }

  /** Bodies the server refuses with 400 must break the documented request schema too. */
  @ParameterizedTest
  @MethodSource("invalidBodies")
  void a_body_the_server_refuses_breaks_the_documented_request_schema(
      String operation, String path, String body) {
    check(operation, operator.post(path, body), 400);
    assertThat(doc.requestViolations(operation, body))
        .as("the document accepts %s", body)
        .isNotEmpty();
  }

  static Stream<org.junit.jupiter.params.provider.Arguments> invalidBodies() {
    var longText = "x".repeat(501);
    return Stream.of(
            new String[] {
              "POST /rest/v1/customers",
              "/rest/v1/customers",
              "{\"currency\":\"EUR\",\"name\":\"" + "n".repeat(201) + "\"}"
            },
            new String[] {
              "POST /rest/v1/customers", "/rest/v1/customers", "{\"name\":\"no currency\"}"
            },
            new String[] {
              "POST /rest/v1/customers", "/rest/v1/customers", "{\"currency\":\"EUR\",\"vip\":true}"
            },
            new String[] {
              "POST /rest/v1/customers",
              "/rest/v1/customers",
              "{\"currency\":\"EUR\",\"name\":\"  \"}"
            },
            new String[] {
              "POST /rest/v1/invoices",
              "/rest/v1/invoices",
              "{\"customerId\":1,\"amount\":{\"value\":12.5,\"currency\":\"EUR\"}}"
            },
            new String[] {
              "POST /rest/v1/invoices",
              "/rest/v1/invoices",
              "{\"customerId\":1,\"amount\":{\"value\":\"ten\",\"currency\":\"EUR\"}}"
            },
            new String[] {
              "POST /rest/v1/invoices",
              "/rest/v1/invoices",
              "{\"customerId\":1,\"amount\":{\"value\":\"1\",\"currency\":\"EUR\"},\"billingPeriod\":\"2026-13\"}"
            },
            new String[] {
              "POST /rest/v1/invoices",
              "/rest/v1/invoices",
              "{\"customerId\":1,\"amount\":{\"value\":\"1\",\"currency\":\"EUR\"},\"dueDate\":\"2026-02-30\"}"
            },
            new String[] {
              "POST /rest/v1/invoices",
              "/rest/v1/invoices",
              "{\"customerId\":0,\"amount\":{\"value\":\"1\",\"currency\":\"EUR\",\"minorUnits\":100}}"
            },
            new String[] {
              "POST /rest/v1/invoices/{id}/void",
              "/rest/v1/invoices/1/void",
              "{\"reason\":\"" + longText + "\"}"
            },
            new String[] {"POST /rest/v1/invoices/{id}/retry", "/rest/v1/invoices/1/retry", "{}"},
            new String[] {
              "POST /rest/v1/invoices/{id}/mark-uncollectible",
              "/rest/v1/invoices/1/mark-uncollectible",
              "{\"reason\":\"\"}"
            },
            new String[] {
              "POST /rest/v1/billing-runs", "/rest/v1/billing-runs", "{\"period\":\"2026-13\"}"
            },
            new String[] {
              "POST /rest/v1/billing-runs",
              "/rest/v1/billing-runs",
              "{\"period\":\"2026-11\",\"dryRun\":true}"
            })
        .map(a -> org.junit.jupiter.params.provider.Arguments.of((Object[]) a));
  }

  @Test
  void webhooks_answer_as_documented() {
    var base = "/rest/v1/webhook-endpoints";
    var created =
        post(
            operator.withHeader("Idempotency-Key", "hook-" + System.nanoTime()),
            "POST " + base,
            base,
            "{\"url\":\"http://127.0.0.1:9/hook\",\"description\":\"billing sync\",\"eventTypes\":[\"invoice.paid\"]}",
            201);
    assertThat(created.json().get("secret").asText()).startsWith("whsec_");
    check("POST " + base, operator.post(base, "{\"url\":\"ftp://example.com/x\"}"), 422);
    check(
        "POST " + base,
        operator.post(base, "{\"url\":\"http://127.0.0.1:9/\",\"eventTypes\":[\"invoice.payed\"]}"),
        400);
    var location = created.header("Location");
    check("GET " + base, reader.get(base), 200);
    check("GET " + base + "/{id}", reader.get(location), 200);
    check("GET " + base + "/{id}", reader.get(base + "/99999999"), 404);
    check(
        "PATCH " + base + "/{id}",
        operator.send(
            "PATCH", location, "{\"description\":\"billing sync v2\"}", "application/json"),
        200);
    check(
        "PATCH " + base + "/{id}",
        operator.send("PATCH", location, "{\"url\":\"gopher://x\"}", "application/json"),
        422);
    check(
        "PATCH " + base + "/{id}",
        operator.send("PATCH", base + "/99999999", "{}", "application/json"),
        404);
    post(
        operator,
        "POST " + base + "/{id}/disable",
        location + "/disable",
        "{\"reason\":\"maintenance\"}",
        200);
    post(operator, "POST " + base + "/{id}/enable", location + "/enable", "{}", 200);
    post(operator, "POST " + base + "/{id}/enable", base + "/99999999/enable", "{}", 404);
    var rotated =
        post(
            operator,
            "POST " + base + "/{id}/rotate-secret",
            location + "/rotate-secret",
            "{\"overlapSeconds\":3600}",
            200);
    assertThat(rotated.json().get("previousSecretExpiresAt").isNull()).isFalse();
    check(
        "POST " + base + "/{id}/rotate-secret",
        operator.post(location + "/rotate-secret", "{\"overlapSeconds\":-1}"),
        400);
    long endpointId = created.json().get("id").asLong();
    long deliveryId =
        db.jdbi()
            .withHandle(
                h -> {
                  long event =
                      h.createQuery(
                              "insert into event_outbox (type, subject, data) values ('invoice.paid', 'invoices/1', '{}') returning id")
                          .mapTo(Long.class)
                          .one();
                  long delivery =
                      h.createQuery(
                              """
              insert into webhook_delivery (endpoint_id, event_outbox_id, event_id, event_type, state, attempts, last_status,
                                            last_latency_ms, last_error, last_attempt_at, created_at)
              select :endpoint, id, event_id, type, 'FAILED', 10, 500, 12, 'HTTP 500', now(), now() from event_outbox where id = :event
              returning id""")
                          .bind("endpoint", endpointId)
                          .bind("event", event)
                          .mapTo(Long.class)
                          .one();
                  h.execute(
                      "insert into webhook_attempt (delivery_id, attempt_no, started_at, outcome, status_code, latency_ms, error, deliverer) "
                          + "values (?, 10, now(), 'FAILED', 500, 12, 'HTTP 500', 'test')",
                      delivery);
                  return delivery;
                });
    assertThat(
            check(
                    "GET " + base + "/{id}/deliveries",
                    reader.get(location + "/deliveries?state=FAILED&limit=5"),
                    200)
                .json())
        .hasSize(1);
    check(
        "GET " + base + "/{id}/deliveries/{deliveryId}",
        reader.get(location + "/deliveries/" + deliveryId),
        200);
    assertThat(
            check("GET /rest/v1/webhook-failures", reader.get("/rest/v1/webhook-failures"), 200)
                .json())
        .isNotEmpty();
    post(
        operator,
        "POST " + base + "/{id}/deliveries/{deliveryId}/retry",
        location + "/deliveries/" + deliveryId + "/retry",
        "{}",
        200);
    check("GET " + base + "/{id}/deliveries", reader.get(location + "/deliveries?state=LOST"), 400);
    check(
        "GET " + base + "/{id}/deliveries/{deliveryId}",
        reader.get(location + "/deliveries/99999999"),
        404);
    post(
        operator,
        "POST " + base + "/{id}/deliveries/{deliveryId}/retry",
        location + "/deliveries/99999999/retry",
        "{}",
        404);
    check("GET /rest/v1/webhook-failures", reader.get("/rest/v1/webhook-failures?limit=5"), 200);
    check("DELETE " + base + "/{id}", operator.send("DELETE", location, null, null), 200);
    check("DELETE " + base + "/{id}", operator.send("DELETE", location, null, null), 404);
  }

  @Test
  void billing_runs_and_events_answer_as_documented() {
    var key = operator.withHeader("Idempotency-Key", "run-" + System.nanoTime());
    var created =
        post(
            key,
            "POST /rest/v1/billing-runs",
            "/rest/v1/billing-runs",
            "{\"period\":\"2026-11\"}",
            201,
            200);
    assertThat(
            post(
                    key,
                    "POST /rest/v1/billing-runs",
                    "/rest/v1/billing-runs",
                    "{\"period\":\"2026-11\"}",
                    created.status())
                .header("Idempotent-Replayed"))
        .isEqualTo("true");
    post(
        operator,
        "POST /rest/v1/billing-runs",
        "/rest/v1/billing-runs",
        "{\"period\":\"2026-11\"}",
        200);
    check(
        "POST /rest/v1/billing-runs",
        key.post("/rest/v1/billing-runs", "{\"period\":\"2026-10\"}"),
        422);
    check(
        "POST /rest/v1/billing-runs",
        operator.post("/rest/v1/billing-runs", "{\"period\":\"2027-01\"}"),
        400);
    long id = created.json().get("id").asLong();
    var runs = new BillingRuns(db.jdbi(), clock, ZoneOffset.UTC, 100, new SimpleMeterRegistry());
    runs.produce(runs.find(id).orElseThrow());
    check("GET /rest/v1/billing-runs/{id}", reader.get("/rest/v1/billing-runs/" + id), 200);
    db.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "update invoice set status = 'PAID', paid_at = now(), status_reason = 'test', status_actor = 'test' where status = 'PROCESSING'"));
    assertThat(runs.finishIfDone(id)).isTrue();
    var finished =
        check("GET /rest/v1/billing-runs/{id}", reader.get("/rest/v1/billing-runs/" + id), 200)
            .json();
    assertThat(finished.get("state").asText()).isEqualTo("FINISHED");
    assertThat(finished.get("progress").get("paid").size()).isPositive();
    check("GET /rest/v1/billing-runs/{id}", reader.get("/rest/v1/billing-runs/99999999"), 404);
    post(
        operator,
        "POST /rest/v1/billing-runs",
        "/rest/v1/billing-runs",
        "{\"period\":\"2026-10\"}",
        201);
    var page = check("GET /rest/v1/billing-runs", reader.get("/rest/v1/billing-runs?limit=1"), 200);
    assertThat(page.header("X-Next-Cursor")).isNotNull();
    check(
        "GET /rest/v1/billing-runs",
        reader.get("/rest/v1/billing-runs?cursor=" + page.header("X-Next-Cursor")),
        200);
    check("GET /rest/v1/billing-runs", reader.get("/rest/v1/billing-runs?limit=1001"), 400);

    // The feed shows an event once no older writing transaction is open anywhere on the server
    // (docs/architecture.md), and other test classes share this server: follow the cursor a while.
    var types = new TreeSet<String>();
    String[] after = {null};
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              for (int pages = 0; pages < 100; pages++) {
                var events =
                    check(
                        "GET /rest/v1/events",
                        reader.get(
                            "/rest/v1/events?limit=50"
                                + (after[0] == null ? "" : "&after=" + after[0])),
                        200);
                events.json().forEach(e -> types.add(e.get("type").asText()));
                after[0] = events.header("X-Next-Cursor");
                if (events.json().isEmpty()) {
                  break;
                }
              }
              assertThat(types)
                  .contains("invoice.paid", "billing_run.started", "billing_run.finished");
            });
    check("GET /rest/v1/events", reader.get("/rest/v1/events?after=bm9wZQ&limit=0"), 400);
  }

  /**
   * Every operation that needs a key answers 401 without one, as documented (with
   * WWW-Authenticate).
   */
  @Test
  void console_reads_and_pages_answer_as_documented() {
    assertThat(check("GET /rest/v1/me", reader.get("/rest/v1/me"), 200).json().get("role").asText())
        .isEqualTo("reader");
    assertThat(
            check("GET /rest/v1/me", operator.get("/rest/v1/me"), 200).json().get("role").asText())
        .isEqualTo("operator");
    long paid =
        fixtures
            .invoice()
            .in(dev.charon.money.Currency.EUR)
            .amount(10_00)
            .status(dev.charon.invoice.domain.InvoiceStatus.PAID)
            .create();
    db.jdbi()
        .useHandle(
            h ->
                h.execute(
                    """
        insert into charge_attempt (invoice_id, attempt_no, idempotency_key, amount_minor, currency, outcome,
                                    provider_reference, detail, worker, calls, completed_at)
        values (?, 1, 'oa-key-1', 1000, 'EUR', 'UNAVAILABLE', null, 'network error', 'w1', 1, now()),
               (?, 2, 'oa-key-2', 1000, 'EUR', 'CHARGED', 'prov-1', null, 'w1', 1, now()),
               (?, 3, 'oa-key-3', 1000, 'EUR', 'UNKNOWN', null, null, 'w2', 0, null)
        """,
                    paid,
                    paid,
                    paid));
    var attempts =
        check(
                "GET /rest/v1/invoices/{id}/attempts",
                reader.get("/rest/v1/invoices/" + paid + "/attempts"),
                200)
            .json();
    assertThat(attempts).isNotEmpty();
    assertThat(attempts).hasSize(3);
    check(
        "GET /rest/v1/invoices/{id}/attempts",
        reader.get("/rest/v1/invoices/99999999/attempts"),
        404);
    assertThat(
            check("GET /rest/v1/collection", reader.get("/rest/v1/collection?periods=3"), 200)
                .json()
                .get("periods"))
        .hasSize(3);
    check("GET /rest/v1/collection", reader.get("/rest/v1/collection?periods=0"), 400);
    check("GET /", anonymous.get("/"), 200);
    check("GET /docs", anonymous.get("/docs"), 200);
  }

  @Test
  void every_protected_operation_answers_401_without_a_valid_key() {
    var open = AuthSettings.from(new Env(Map.of()));
    for (var operation : doc.operations()) {
      var path = operation.split(" ", 2)[1];
      if (signed(operation)) {
        check(operation, send(anonymous, operation, "{}"), 400); // no signature
      } else if (!open.isOpen(path)) {
        check(operation, send(anonymous, operation, "{}"), 401);
        check(operation, send(anonymous.bearer("chk_not-a-key"), operation, "{}"), 401);
      }
    }
  }

  @Test
  void every_operation_answers_403_415_413_and_400_where_documented() {
    for (var operation : doc.operations()) {
      if (signed(operation)) {
        var path = concrete(operation);
        check(operation, reader.post(path, "{\"id\":\"evt_1\",\"type\":\"x\"}"), 400);
        check(
            operation,
            operator.send(
                "POST", path, "{\"reason\":\"" + "x".repeat(70_000) + "\"}", "application/json"),
            413);
      } else if (operation.startsWith("POST ")) {
        check(operation, send(reader, operation, "{}"), 403);
        var path = concrete(operation);
        check(
            operation,
            operator.send("POST", path, "reason=x", "application/x-www-form-urlencoded"),
            415);
        check(
            operation,
            operator.send(
                "POST", path, "{\"reason\":\"" + "x".repeat(70_000) + "\"}", "application/json"),
            413);
        check(
            operation, operator.send("POST", path + "?dryRun=true", "{}", "application/json"), 400);
      } else if (operation.startsWith("GET /rest/v1/")) {
        check(operation, reader.get(concrete(operation) + "?bogus=1"), 400);
      }
    }
  }

  @Test
  void unknown_paths_and_methods_answer_the_documented_problems() {
    checkComponent("NotFound", reader.get("/rest/v1/nothing-here"), 404);
    checkComponent("Unauthorized", anonymous.get("/rest/v1/nothing-here"), 401);
    checkComponent(
        "MethodNotAllowed", operator.send("DELETE", "/rest/v1/invoices/1", null, null), 405);
    checkComponent(
        "MethodNotAllowed",
        operator.send(
            HttpRequest.newBuilder(URI.create(api.url() + "/rest/v1/customers"))
                .PUT(HttpRequest.BodyPublishers.ofString("{}"))),
        405);
  }

  /** The test fails when the document is wrong: a broken schema is caught. */
  @Test
  void a_document_that_disagrees_with_the_api_is_caught() throws Exception {
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    var tree =
        (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(OpenApiRoutes.load());
    ((com.fasterxml.jackson.databind.node.ObjectNode)
            tree.at("/components/schemas/Amount/properties"))
        .set("minorUnits", mapper.createObjectNode().put("type", "string"));
    var broken = new OpenApiDocument(mapper.writeValueAsString(tree));
    assertThat(broken.root()).isNotEqualTo(doc.root());
    var invoice = reader.get("/rest/v1/invoices/1");
    assertThat(doc.violations("GET /rest/v1/invoices/{id}", invoice)).isEmpty();
    assertThat(broken.violations("GET /rest/v1/invoices/{id}", invoice))
        .anyMatch(v -> v.contains("minorUnits"));
    assertThat(
            doc.violations("GET /rest/v1/invoices/{id}", reader.get("/rest/v1/invoices/1/history")))
        .isNotEmpty();
    assertThat(doc.violations("DELETE /rest/v1/invoices/{id}", invoice)).isNotEmpty();
  }

  private static Http.Response post(
      Http client, String operation, String path, String body, int... expected) {
    assertThat(doc.requestViolations(operation, body))
        .as("request body of %s: %s", operation, body)
        .isEmpty();
    return check(operation, client.post(path, body), expected);
  }

  /**
   * Asserts the status is one of {@code expected} and the response is what the document declares
   * for it.
   */
  static Http.Response check(String operation, Http.Response response, int... expected) {
    assertThat(response.status())
        .as("%s answered %s", operation, response.body())
        .isIn(boxed(expected));
    assertThat(doc.violations(operation, response)).as(operation).isEmpty();
    covered.add(operation + " -> " + response.status());
    return response;
  }

  private static void checkComponent(String name, Http.Response response, int status) {
    assertThat(response.status()).as(response.body()).isEqualTo(status);
    assertThat(doc.violations(name, doc.resolve(doc.component("responses", name)), response))
        .isEmpty();
  }

  private static Http.Response send(Http client, String operation, String body) {
    var method = operation.split(" ", 2)[0];
    return client.send(
        method,
        concrete(operation),
        method.equals("GET") ? null : body,
        method.equals("GET") ? null : "application/json");
  }

  private static String concrete(String operation) {
    return operation.split(" ", 2)[1].replace("{id}", "1").replace("{deliveryId}", "1");
  }

  private static String firstInvoice(String status) {
    JsonNode invoices = reader.get("/rest/v1/invoices?limit=1&status=" + status).json();
    return "/rest/v1/invoices/" + invoices.get(0).get("id").asLong();
  }

  private static Integer[] boxed(int... values) {
    return java.util.Arrays.stream(values).boxed().toArray(Integer[]::new);
  }
}
