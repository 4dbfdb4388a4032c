package dev.charon.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.testing.MutableClock;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The operator's side of webhooks through the REST API. */
class WebhookApiTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static final String BASE = "/rest/v1/webhook-endpoints";
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T09:00:00Z"));
  private final byte[] key = new byte[32];

  @BeforeEach
  void clean() {
    db.clean();
    db.jdbi().useHandle(h -> h.execute("delete from api_key"));
    new SecureRandom().nextBytes(key);
  }

  private WebhookSettings settings(boolean allowPrivate) {
    return new WebhookSettings(
        Optional.of(key), allowPrivate, 4, Duration.ofMillis(50), Duration.ofSeconds(15));
  }

  private long count(String sql) {
    return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
  }

  @Test
  void the_secret_is_shown_once_and_stored_only_encrypted() {
    try (var api = TestApi.start(db.jdbi(), clock, settings(true))) {
      var created =
          api.operator()
              .post(
                  BASE,
                  "{\"url\":\"http://127.0.0.1:9/in\",\"eventTypes\":[\"invoice.paid\",\"invoice.paid\"]}");
      assertThat(created.status()).isEqualTo(201);
      var secret = created.json().get("secret").asText();
      assertThat(secret).startsWith("whsec_");
      assertThat(created.json().get("eventTypes")).hasSize(1);
      var read = api.reader().get(created.header("Location"));
      assertThat(read.json().has("secret")).isFalse();
      assertThat(api.reader().get(BASE).body()).doesNotContain("whsec_");

      byte[] stored =
          db.jdbi()
              .withHandle(
                  h ->
                      h.createQuery("select secret from webhook_endpoint")
                          .mapTo(byte[].class)
                          .one());
      var raw = WebhookSecret.parse(secret).key();
      assertThat(HexFormat.of().formatHex(stored)).doesNotContain(HexFormat.of().formatHex(raw));
      assertThat(new SecretBox(key).open(stored)).isEqualTo(WebhookSecret.parse(secret));
    }
  }

  @Test
  void an_idempotent_retry_of_a_creation_creates_nothing_more_and_never_stores_the_secret() {
    try (var api = TestApi.start(db.jdbi(), clock, settings(true))) {
      var client = api.operator().withHeader("Idempotency-Key", "create-hook-1");
      var first = client.post(BASE, "{\"url\":\"http://127.0.0.1:9/in\"}");
      var again = client.post(BASE, "{\"url\":\"http://127.0.0.1:9/in\"}");
      assertThat(first.json().get("secret").asText()).startsWith("whsec_");
      assertThat(again.status()).isEqualTo(201);
      assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
      assertThat(again.json().has("secret"))
          .as("a replay does not show the secret again")
          .isFalse();
      assertThat(again.json().get("id")).isEqualTo(first.json().get("id"));
      assertThat(count("select count(*) from webhook_endpoint")).isEqualTo(1);
      assertThat(count("select count(*) from idempotency_key where body like '%whsec_%'")).isZero();
    }
  }

  @Test
  void registration_refuses_internal_addresses_and_other_schemes_and_changes_nothing() {
    try (var api = TestApi.start(db.jdbi(), clock, settings(false))) {
      for (var url :
          new String[] {
            "http://127.0.0.1:9000/in",
            "http://169.254.169.254/latest/meta-data",
            "http://10.0.0.8/",
            "http://[::1]/",
            "file:///etc/passwd"
          }) {
        var refused = api.operator().post(BASE, "{\"url\":\"" + url + "\"}");
        assertThat(refused.status()).as(url).isEqualTo(422);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.json().get("detail").asText()).as(url).startsWith("url: ");
      }
      var loopback = api.operator().post(BASE, "{\"url\":\"http://localhost:9000/in\"}");
      assertThat(loopback.json().get("detail").asText())
          .contains("loopback")
          .contains("CHARON_WEBHOOKS_ALLOW_PRIVATE");
      assertThat(count("select count(*) from webhook_endpoint")).isZero();
    }
  }

  @Test
  void with_private_addresses_allowed_as_the_demo_does_metadata_addresses_are_still_refused() {
    try (var api = TestApi.start(db.jdbi(), clock, settings(true))) {
      for (var url :
          new String[] {
            "http://169.254.169.254/latest/meta-data", "http://[fd00:ec2::254]/latest/meta-data"
          }) {
        var refused = api.operator().post(BASE, "{\"url\":\"" + url + "\"}");
        assertThat(refused.status()).as(url).isEqualTo(422);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.json().get("detail").asText()).as(url).contains("metadata");
      }
      assertThat(count("select count(*) from webhook_endpoint")).isZero();
      assertThat(api.operator().post(BASE, "{\"url\":\"http://127.0.0.1:9/in\"}").status())
          .as("a local receiver is still allowed")
          .isEqualTo(201);
    }
  }

  @Test
  void without_a_key_a_server_refuses_to_create_endpoints_and_says_why() {
    var noKey =
        new WebhookSettings(
            Optional.empty(), true, 4, Duration.ofMillis(50), Duration.ofSeconds(15));
    try (var api = TestApi.start(db.jdbi(), clock, noKey)) {
      var refused = api.operator().post(BASE, "{\"url\":\"http://127.0.0.1:9/in\"}");
      assertThat(refused.status()).isEqualTo(409);
      assertThat(refused.json().get("detail").asText()).contains("CHARON_WEBHOOKS_KEY");
      assertThat(count("select count(*) from webhook_endpoint")).isZero();
    }
  }

  @Test
  void bad_changes_are_refused_whole() {
    try (var api = TestApi.start(db.jdbi(), clock, settings(true))) {
      var location =
          api.operator()
              .post(BASE, "{\"url\":\"http://127.0.0.1:9/in\",\"description\":\"crm\"}")
              .header("Location");
      var bad =
          api.operator()
              .send(
                  "PATCH",
                  location,
                  "{\"description\":\"new\",\"eventTypes\":[\"nope\"],\"colour\":1}",
                  "application/json");
      assertThat(bad.status()).isEqualTo(400);
      assertThat(bad.json().get("errors")).hasSize(2);
      assertThat(api.reader().get(location).json().get("description").asText()).isEqualTo("crm");
      var rotate =
          api.operator().post(location + "/rotate-secret", "{\"overlapSeconds\":\"soon\"}");
      assertThat(rotate.status()).isEqualTo(400);
      assertThat(
              api.operator()
                  .send("PATCH", location, "{\"eventTypes\":[]}", "application/json")
                  .json()
                  .get("eventTypes"))
          .isEmpty();
    }
  }

  @Test
  void rotation_answers_the_new_secret_once_and_keeps_the_old_one_signing_for_the_overlap() {
    try (var api = TestApi.start(db.jdbi(), clock, settings(true))) {
      var created = api.operator().post(BASE, "{\"url\":\"http://127.0.0.1:9/in\"}");
      var rotated =
          api.operator()
              .post(created.header("Location") + "/rotate-secret", "{\"overlapSeconds\":7200}");
      assertThat(rotated.status()).isEqualTo(200);
      assertThat(rotated.json().get("secret").asText())
          .startsWith("whsec_")
          .isNotEqualTo(created.json().get("secret").asText());
      assertThat(Instant.parse(rotated.json().get("previousSecretExpiresAt").asText()))
          .isEqualTo(clock.instant().plusSeconds(7200));
      var immediate =
          api.operator()
              .post(created.header("Location") + "/rotate-secret", "{\"overlapSeconds\":0}");
      assertThat(immediate.json().get("previousSecretExpiresAt").isNull()).isTrue();
    }
  }

  @Test
  void operators_see_a_failed_delivery_with_its_attempts_and_retry_it() {
    var receiver = TestReceiver.answering(500);
    var metrics = new SimpleMeterRegistry();
    try (receiver;
        var api = TestApi.start(db.jdbi(), clock, settings(true));
        var dispatcher =
            new WebhookDispatcher(
                db.jdbi(),
                settings(true),
                new UrlGuard(true),
                clock,
                clock,
                new Random(5),
                "api-test",
                metrics)) {
      var location =
          api.operator().post(BASE, "{\"url\":\"" + receiver.url() + "\"}").header("Location");
      db.jdbi()
          .useHandle(
              h ->
                  h.execute(
                      "insert into event_outbox (type, subject, data) values ('invoice.paid', 'invoices/7', '{}')"));
      awaitEventsVisible();
      for (int attempt = 0; attempt < RetrySchedule.ATTEMPTS; attempt++) {
        dispatcher.tick();
        await().until(() -> dispatcher.inFlight() == 0);
        clock.advance(Duration.ofHours(27));
      }
      var failed = api.reader().get(location + "/deliveries?state=FAILED");
      assertThat(failed.status()).isEqualTo(200);
      assertThat(failed.json()).hasSize(1);
      var delivery = failed.json().get(0);
      assertThat(delivery.get("attempts").asInt()).isEqualTo(10);
      assertThat(delivery.get("lastStatus").asInt()).isEqualTo(500);
      assertThat(delivery.get("lastLatencyMs").isInt()).isTrue();
      assertThat(delivery.get("lastError").asText()).contains("HTTP 500");
      assertThat(delivery.get("nextAttemptAt").isNull()).isTrue();
      long deliveryId = delivery.get("id").asLong();
      var detail = api.reader().get(location + "/deliveries/" + deliveryId).json();
      assertThat(detail.get("attempts")).hasSize(10);
      assertThat(detail.get("attempts").get(9).get("outcome").asText()).isEqualTo("FAILED");
      var failures = api.reader().get("/rest/v1/webhook-failures?limit=3").json();
      assertThat(failures).hasSize(3);
      assertThat(failures.get(0).get("deliveryId").asLong()).isEqualTo(deliveryId);
      assertThat(failures.get(0).get("statusCode").asInt()).isEqualTo(500);
      assertThat(detail.get("attempts").get(0).get("attemptNo").asInt()).isEqualTo(1);

      receiver.behave(n -> TestReceiver.Answer.status(200));
      var retried = api.operator().post(location + "/deliveries/" + deliveryId + "/retry", "{}");
      assertThat(retried.status()).isEqualTo(200);
      assertThat(retried.json().get("state").asText()).isEqualTo("PENDING");
      dispatcher.tick();
      await().until(() -> dispatcher.inFlight() == 0);
      var after = api.reader().get(location + "/deliveries/" + deliveryId).json().get("delivery");
      assertThat(after.get("state").asText()).isEqualTo("DELIVERED");
      assertThat(after.get("attempts").asInt()).isEqualTo(10);
      assertThat(receiver.requests).hasSize(11);
    }
  }

  @Test
  void the_oldest_undelivered_event_age_is_a_metric_per_endpoint() {
    var receiver = TestReceiver.answering(503);
    var metrics = new SimpleMeterRegistry();
    try (receiver;
        var dispatcher =
            new WebhookDispatcher(
                db.jdbi(),
                settings(true),
                new UrlGuard(true),
                clock,
                clock,
                new Random(5),
                "metrics-test",
                metrics)) {
      var secret = WebhookSecret.generate();
      long endpoint =
          db.jdbi()
              .inTransaction(
                  h ->
                      Endpoints.create(
                          h,
                          receiver.url(),
                          "",
                          java.util.List.of(),
                          new SecretBox(key).seal(secret),
                          "test",
                          clock.instant()))
              .id();
      db.jdbi()
          .useHandle(
              h ->
                  h.execute(
                      "insert into event_outbox (type, subject, data, occurred_at) values ('invoice.paid', 'invoices/1', '{}', ?)",
                      java.sql.Timestamp.from(clock.instant())));
      awaitEventsVisible();
      dispatcher.tick();
      await().until(() -> dispatcher.inFlight() == 0);
      clock.advance(Duration.ofMinutes(10));
      dispatcher.tick();
      var age =
          metrics
              .find("charon.webhooks.oldest.undelivered.age")
              .tag("endpoint", Long.toString(endpoint))
              .gauge();
      assertThat(age).isNotNull();
      assertThat(age.value()).isEqualTo(600.0);
    }
  }

  /**
   * Waits until every event is past the feed's horizon: other test classes share this PostgreSQL
   * server, and any writing transaction open there holds events back (docs/architecture.md).
   */
  static void awaitEventsVisible() {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                db.jdbi()
                        .withHandle(
                            h ->
                                h.createQuery(
                                        "select count(*) from event_outbox where not ("
                                            + dev.charon.events.EventFeed.VISIBLE
                                            + ")")
                                    .mapTo(Long.class)
                                    .one())
                    == 0);
  }
}
