package dev.charon.clock;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.charon.api.Json;
import dev.charon.charging.ChargeEngine;
import dev.charon.charging.ChargeWorker;
import dev.charon.charging.Intake;
import dev.charon.money.Currency;
import dev.charon.payment.fake.FaultProfile;
import dev.charon.payment.fake.SimulatedPaymentProvider;
import dev.charon.testing.ChargeFixtures;
import dev.charon.testing.Fixtures;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import dev.charon.webhooks.UrlGuard;
import dev.charon.webhooks.WebhookDispatcher;
import dev.charon.webhooks.WebhookSettings;
import dev.charon.webhooks.WebhookVerifier;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An advance of the test clock in a deployment that delivers webhooks: the deliveries of the events
 * its charges raise, and their retries, run at their own times on the way, and the advance answers
 * only once they are done.
 */
class TestClockWebhooksTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  private final Fixtures fixtures = new Fixtures(db.jdbi());

  @BeforeEach
  void setUp() {
    db.clean();
    db.jdbi().useHandle(h -> h.execute("delete from api_key"));
  }

  @Test
  void an_advance_runs_webhook_retries_at_their_times_and_answers_once_they_are_delivered()
      throws Exception {
    // No cache, as a server with CHARON_TEST_CLOCK=true reads it.
    var clock = new DatabaseClock(db.jdbi(), Clock.systemUTC(), Duration.ZERO);
    var key = new byte[32];
    new SecureRandom().nextBytes(key);
    // Retries 5 min and 1 h after a failed attempt (no jitter: the random source answers 0).
    var webhooks =
        new WebhookSettings(
            Optional.of(key),
            true,
            4,
            Duration.ofMillis(20),
            Duration.ofSeconds(15),
            List.of(Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofDays(1)),
            WebhookSettings.DEFAULT_LEASE);
    // The receiver fails the first two calls and accepts the third.
    var calls = new AtomicInteger();
    var requests = new java.util.concurrent.CopyOnWriteArrayList<String[]>();
    var receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    receiver.createContext(
        "/",
        exchange -> {
          try (exchange) {
            var headers = exchange.getRequestHeaders();
            requests.add(
                new String[] {
                  headers.getFirst("webhook-id"),
                  headers.getFirst("webhook-timestamp"),
                  headers.getFirst("webhook-signature"),
                  new String(
                      exchange.getRequestBody().readAllBytes(),
                      java.nio.charset.StandardCharsets.UTF_8)
                });
            exchange.sendResponseHeaders(calls.incrementAndGet() <= 2 ? 500 : 204, -1);
          }
        });
    receiver.start();
    var metrics = new SimpleMeterRegistry();
    var engine =
        new ChargeEngine(
            db.jdbi(),
            new SimulatedPaymentProvider(FaultProfile.none(), clock, d -> {}),
            ChargeFixtures.policy(),
            ChargeFixtures.breaker(clock),
            clock,
            "w1",
            metrics);
    try (var api = TestApi.start(db.jdbi(), new ClockMode.DatabaseTime(clock), webhooks);
        var worker =
            new ChargeWorker(
                    Intake.table(
                        db.jdbi(), engine, "w1", Duration.ofSeconds(30), Duration.ofMillis(5)),
                    engine,
                    4,
                    metrics)
                .start();
        var dispatcher =
            new WebhookDispatcher(
                    db.jdbi(),
                    webhooks,
                    new UrlGuard(true),
                    clock,
                    Clock.systemUTC(),
                    () -> 0L,
                    "deliverer-1",
                    metrics)
                .start()) {
      var operator = api.operator();
      long customer = fixtures.customer(Currency.EUR);
      var sub =
          operator.post(
              "/rest/v1/customers/" + customer + "/subscriptions",
              "{\"amount\":{\"value\":\"19.00\",\"currency\":\"EUR\"},\"startDate\":\"2026-02-01\"}");
      assertThat(sub.status()).as(sub.body()).isEqualTo(201);
      var frozen = operator.post("/rest/v1/test-clock", "{\"at\":\"2026-01-31T23:00:00Z\"}");
      assertThat(frozen.status()).as(frozen.body()).isEqualTo(200);
      var endpoint =
          operator.post(
              "/rest/v1/webhook-endpoints",
              "{\"url\":\"http://127.0.0.1:"
                  + receiver.getAddress().getPort()
                  + "/in\",\"eventTypes\":[\"invoice.paid\"]}");
      assertThat(endpoint.status()).as(endpoint.body()).isEqualTo(201);

      var advanced =
          operator.post("/rest/v1/test-clock/advance", "{\"to\":\"2026-02-03T00:00:00Z\"}");
      assertThat(advanced.status()).as(advanced.body()).isEqualTo(200);

      // Read as soon as the advance answers: nothing is left for the dispatcher to do.
      var attempts =
          db.jdbi()
              .withHandle(
                  h ->
                      h.createQuery(
                              "select started_at, outcome from webhook_attempt order by attempt_no")
                          .map(
                              (rs, ctx) ->
                                  rs.getTimestamp("started_at").toInstant()
                                      + " "
                                      + rs.getString("outcome"))
                          .list());
      var delivery =
          db.jdbi()
              .withHandle(
                  h ->
                      h.createQuery(
                              "select state || ' after ' || attempts || ' at ' || to_char(delivered_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
                                  + " from webhook_delivery where event_type = 'invoice.paid'")
                          .mapTo(String.class)
                          .one());
      System.out.printf("webhook attempts on the test clock: %s; %s%n", attempts, delivery);
      assertThat(attempts)
          .as("the paid event's delivery at the charge's time, then its retries 5 min and 1 h on")
          .containsExactly(
              Instant.parse("2026-02-01T00:00:00Z") + " RETRYING",
              Instant.parse("2026-02-01T00:05:00Z") + " RETRYING",
              Instant.parse("2026-02-01T01:05:00Z") + " DELIVERED");
      assertThat(delivery).isEqualTo("DELIVERED after 3 at 2026-02-01T01:05:00Z");
      assertThat(calls.get()).isEqualTo(3);
      // A receiver verifies the signature against its own real clock: the timestamp is real time,
      // while the event inside says when it happened on the test clock.
      var last = requests.getLast();
      var secret = endpoint.json().get("secret").asText();
      new WebhookVerifier(secret, Clock.systemUTC())
          .verify(
              last[0], last[1], last[2], last[3].getBytes(java.nio.charset.StandardCharsets.UTF_8));
      assertThat(Json.mapper().readTree(last[3]).get("time").asText())
          .startsWith("2026-02-01T00:00");
      assertThat(dispatcher.inFlight()).isZero();
    } finally {
      receiver.stop(0);
    }
  }
}
