package dev.charon.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.api.Json;
import dev.charon.testing.MutableClock;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Webhook delivery against real HTTP receivers on this machine, on an injected clock. */
class WebhookDeliveryTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
  private final byte[] key = new byte[32];
  private final List<WebhookDispatcher> dispatchers = new ArrayList<>();
  private final List<TestReceiver> receivers = new ArrayList<>();
  private SimpleMeterRegistry metrics;
  private SecretBox box;
  private WebhookSettings settings;

  @BeforeEach
  void setUp() {
    db.clean();
    new SecureRandom().nextBytes(key);
    box = new SecretBox(key);
    settings =
        new WebhookSettings(
            Optional.of(key), true, 4, Duration.ofMillis(50), Duration.ofSeconds(15));
    metrics = new SimpleMeterRegistry();
  }

  @AfterEach
  void tearDown() {
    // Receivers first: an attempt waiting on a slow receiver fails at once and the dispatcher's
    // close, which waits for its attempts to be recorded, returns without waiting out a timeout.
    receivers.forEach(TestReceiver::close);
    dispatchers.forEach(WebhookDispatcher::close);
  }

  private TestReceiver receiver(TestReceiver receiver) {
    receivers.add(receiver);
    return receiver;
  }

  private WebhookDispatcher dispatcher(String name, UrlGuard guard) {
    var dispatcher =
        new WebhookDispatcher(
            db.jdbi(), settings, guard, clock, clock, new Random(42), name, metrics);
    dispatchers.add(dispatcher);
    return dispatcher;
  }

  private WebhookDispatcher dispatcher() {
    return dispatcher("deliverer-a", new UrlGuard(true));
  }

  private record Registered(long id, WebhookSecret secret) {}

  private Registered endpoint(String url, List<String> types) {
    var secret = WebhookSecret.generate();
    var endpoint =
        db.jdbi()
            .inTransaction(
                h ->
                    Endpoints.create(
                        h, url, "test", types, box.seal(secret), "test", clock.instant()));
    return new Registered(endpoint.id(), secret);
  }

  private List<String> events(int count, String type) {
    var ids = new ArrayList<String>();
    for (int i = 0; i < count; i++) {
      ids.add(
          db.jdbi()
              .withHandle(
                  h ->
                      h.createQuery(
                              "insert into event_outbox (type, subject, data) values (:type, 'invoices/' || nextval('invoice_id_seq'), "
                                  + "jsonb_build_object('amountMinor', 1250, 'currency', 'EUR')) returning event_id::text")
                          .bind("type", type)
                          .mapTo(String.class)
                          .one()));
    }
    awaitEventsVisible();
    return ids;
  }

  /** One dispatch round on every given dispatcher, then waits for their attempts to be recorded. */
  private void round(WebhookDispatcher... each) {
    for (var dispatcher : each) {
      dispatcher.tick();
    }
    await()
        .pollInterval(Duration.ofMillis(10))
        .atMost(Duration.ofSeconds(30))
        .until(() -> java.util.Arrays.stream(each).allMatch(d -> d.inFlight() == 0));
  }

  private Map<String, Object> delivery(String eventId) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select * from webhook_delivery where event_id = cast(:id as uuid)")
                    .bind("id", eventId)
                    .mapToMap()
                    .one());
  }

  private static Instant instant(Object timestamp) {
    return ((java.sql.Timestamp) timestamp).toInstant();
  }

  private double deliveries(String outcome) {
    var counter = metrics.find("charon.webhooks.deliveries").tag("outcome", outcome).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void a_delivery_is_a_signed_cloud_event_with_standard_webhooks_headers() throws Exception {
    var receiver = receiver(TestReceiver.answering(204));
    var endpoint = endpoint(receiver.url(), List.of("invoice.paid"));
    var paid = events(1, "invoice.paid").getFirst();
    events(1, "invoice.voided"); // not subscribed
    round(dispatcher());

    assertThat(receiver.requests).hasSize(1);
    var request = receiver.requests.getFirst();
    assertThat(request.id()).isEqualTo(paid);
    assertThat(request.timestamp()).isEqualTo(Long.toString(clock.instant().getEpochSecond()));
    assertThat(request.contentType()).isEqualTo("application/json");
    assertThat(request.signature()).matches("v1,[A-Za-z0-9+/=]{44}");
    new WebhookVerifier(endpoint.secret().reveal(), clock)
        .verify(request.id(), request.timestamp(), request.signature(), request.body());
    var event = Json.mapper().readTree(request.body());
    assertThat(event.get("specversion").asText()).isEqualTo("1.0");
    assertThat(event.get("id").asText()).isEqualTo(paid);
    assertThat(event.get("type").asText()).isEqualTo("invoice.paid");
    assertThat(event.get("data").get("amountMinor").asLong()).isEqualTo(1250);
    assertThat(request.body().length).isLessThan(WebhookDispatcher.MAX_PAYLOAD);

    var row = delivery(paid);
    assertThat(row.get("state")).isEqualTo("DELIVERED");
    assertThat(row.get("last_status")).isEqualTo(204);
    assertThat(row.get("attempts")).isEqualTo(1);
    assertThat(deliveries("delivered")).isEqualTo(1);
    round(dispatchers.getFirst());
    assertThat(receiver.requests).as("a delivered event is not sent again").hasSize(1);
  }

  @Test
  void retries_follow_the_schedule_on_the_injected_clock_then_the_delivery_fails_visibly() {
    var receiver = receiver(TestReceiver.answering(500));
    endpoint(receiver.url(), List.of());
    var event = events(1, "invoice.paid").getFirst();
    var dispatcher = dispatcher();
    var planned = RetrySchedule.DELAYS;
    for (int attempt = 1; attempt <= RetrySchedule.ATTEMPTS; attempt++) {
      round(dispatcher);
      assertThat(receiver.requests).as("attempt " + attempt).hasSize(attempt);
      var row = delivery(event);
      assertThat(row.get("attempts")).isEqualTo(attempt);
      assertThat(row.get("last_status")).isEqualTo(500);
      if (attempt == RetrySchedule.ATTEMPTS) {
        assertThat(row.get("state")).isEqualTo("FAILED");
        assertThat(row.get("next_attempt_at")).isNull();
        break;
      }
      var last = instant(row.get("last_attempt_at"));
      var next = instant(row.get("next_attempt_at"));
      var delay = Duration.between(last, next);
      assertThat(delay)
          .as("delay after attempt " + attempt)
          .isBetween(
              planned.get(attempt),
              planned.get(attempt).plusMillis(planned.get(attempt).toMillis() / 10));
      clock.set(next.minusSeconds(1));
      round(dispatcher);
      assertThat(receiver.requests).as("nothing goes before the scheduled time").hasSize(attempt);
      clock.set(next);
    }
    assertThat(deliveries("retrying")).isEqualTo(9);
    assertThat(deliveries("failed")).isEqualTo(1);
    long attempts =
        db.jdbi()
            .withHandle(
                h -> h.createQuery("select count(*) from webhook_attempt").mapTo(Long.class).one());
    assertThat(attempts).as("every attempt is in the history").isEqualTo(10);
  }

  @Test
  void a_410_disables_the_endpoint_and_nothing_more_is_sent_to_it() {
    var receiver = receiver(TestReceiver.answering(410));
    var endpoint = endpoint(receiver.url(), List.of());
    events(1, "invoice.paid");
    var dispatcher = dispatcher();
    round(dispatcher);
    var found = db.jdbi().withHandle(h -> Endpoints.find(h, endpoint.id())).orElseThrow();
    assertThat(found.enabled()).isFalse();
    assertThat(found.disabledReason()).contains("410");
    events(2, "invoice.paid");
    clock.advance(Duration.ofHours(1));
    round(dispatcher);
    assertThat(receiver.requests).hasSize(1);
    assertThat(deliveries("gone")).isEqualTo(1);

    // Enabled again, it gets what happened meanwhile.
    receiver.behave(n -> TestReceiver.Answer.status(200));
    db.jdbi()
        .useTransaction(h -> Endpoints.setEnabled(h, endpoint.id(), true, null, clock.instant()));
    round(dispatcher);
    round(dispatcher);
    assertThat(receiver.requests).hasSize(4);
  }

  @Test
  void retry_after_on_429_and_503_is_honoured() {
    var receiver =
        receiver(
            new TestReceiver(
                n ->
                    n == 1
                        ? new TestReceiver.Answer(429, Map.of("Retry-After", "120"), 0)
                        : new TestReceiver.Answer(
                            503, Map.of("Retry-After", "Tue, 01 Dec 2026 03:00:00 GMT"), 0)));
    endpoint(receiver.url(), List.of());
    var event = events(1, "invoice.paid").getFirst();
    var dispatcher = dispatcher();
    round(dispatcher);
    var first = delivery(event);
    assertThat(
            Duration.between(
                instant(first.get("last_attempt_at")), instant(first.get("next_attempt_at"))))
        .as("429 Retry-After: 120 instead of the schedule's 5 s")
        .isEqualTo(Duration.ofSeconds(120));
    clock.advance(Duration.ofSeconds(119));
    round(dispatcher);
    assertThat(receiver.requests).hasSize(1);
    clock.advance(Duration.ofSeconds(1));
    round(dispatcher);
    assertThat(receiver.requests).hasSize(2);
    assertThat(instant(delivery(event).get("next_attempt_at")))
        .as("503 Retry-After as an HTTP date")
        .isEqualTo(Instant.parse("2026-12-01T03:00:00Z"));
  }

  @Test
  void redirects_are_not_followed_and_count_as_failures() {
    var receiver =
        receiver(
            new TestReceiver(
                n -> new TestReceiver.Answer(307, Map.of("Location", "/elsewhere"), 0)));
    endpoint(receiver.url(), List.of());
    var event = events(1, "invoice.paid").getFirst();
    round(dispatcher());
    assertThat(receiver.requests).extracting(TestReceiver.Request::path).containsExactly("/hooks");
    var row = delivery(event);
    assertThat(row.get("state")).isEqualTo("PENDING");
    assertThat((String) row.get("last_error"))
        .contains("307")
        .contains("redirects are not followed");
  }

  @Test
  void during_a_rotation_both_secrets_sign_until_the_overlap_ends() throws Exception {
    var receiver = receiver(TestReceiver.answering(200));
    var endpoint = endpoint(receiver.url(), List.of());
    var next = WebhookSecret.generate();
    db.jdbi()
        .useTransaction(
            h ->
                Endpoints.rotate(
                    h, endpoint.id(), box.seal(next), Duration.ofHours(1), clock.instant()));
    events(1, "invoice.paid");
    var dispatcher = dispatcher();
    round(dispatcher);
    var during = receiver.requests.getLast();
    assertThat(during.signature().split(" ")).hasSize(2).allMatch(s -> s.startsWith("v1,"));
    new WebhookVerifier(endpoint.secret().reveal(), clock)
        .verify(during.id(), during.timestamp(), during.signature(), during.body());
    new WebhookVerifier(next.reveal(), clock)
        .verify(during.id(), during.timestamp(), during.signature(), during.body());

    clock.advance(Duration.ofMinutes(61));
    events(1, "invoice.paid");
    round(dispatcher);
    var after = receiver.requests.getLast();
    assertThat(after.signature().split(" ")).hasSize(1);
    new WebhookVerifier(next.reveal(), clock)
        .verify(after.id(), after.timestamp(), after.signature(), after.body());
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                new WebhookVerifier(endpoint.secret().reveal(), clock)
                    .verify(after.id(), after.timestamp(), after.signature(), after.body()))
        .isInstanceOf(WebhookVerifier.Invalid.class);
  }

  @Test
  void a_url_that_resolves_to_a_private_address_at_delivery_time_is_not_called() {
    var receiver = receiver(TestReceiver.answering(200));
    endpoint(receiver.url(), List.of()); // registered while private addresses were allowed
    var event = events(1, "invoice.paid").getFirst();
    round(dispatcher("strict", new UrlGuard(false)));
    assertThat(receiver.requests).isEmpty();
    var row = delivery(event);
    assertThat((String) row.get("last_error")).contains("refused").contains("loopback");
    assertThat(row.get("state")).isEqualTo("PENDING");
  }

  @Test
  void a_slow_endpoint_never_holds_up_delivery_to_the_others() {
    var slow = receiver(new TestReceiver(n -> new TestReceiver.Answer(200, Map.of(), 4_000)));
    var fast = receiver(TestReceiver.answering(200));
    endpoint(slow.url(), List.of());
    endpoint(fast.url(), List.of());
    var ids = events(12, "invoice.paid");
    var dispatcher = dispatcher().start();
    await().atMost(Duration.ofSeconds(3)).until(() -> fast.requests.size() == ids.size());
    assertThat(slow.requests.size())
        .as("the slow endpoint has only its share in flight")
        .isLessThanOrEqualTo(settings.endpointConcurrency());
    assertThat(slow.maxInFlight.get()).isLessThanOrEqualTo(settings.endpointConcurrency());
    dispatcher.close();
  }

  @Test
  void two_deliverers_at_once_make_each_attempt_once() {
    var receiver = receiver(TestReceiver.answering(200));
    endpoint(receiver.url(), List.of());
    var ids = events(150, "invoice.paid");
    dispatcher("deliverer-a", new UrlGuard(true)).start();
    dispatcher("deliverer-b", new UrlGuard(true)).start();
    await().atMost(Duration.ofSeconds(60)).until(() -> receiver.requests.size() >= ids.size());
    await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> true);
    var delivered =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery("select count(*) from webhook_delivery where state = 'DELIVERED'")
                        .mapTo(Long.class)
                        .one());
    assertThat(delivered).isEqualTo(ids.size());
    assertThat(receiver.requests).hasSize(ids.size());
    assertThat(receiver.requests.stream().map(TestReceiver.Request::id).distinct().count())
        .isEqualTo(ids.size());
    var deliverers =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery("select distinct deliverer from webhook_attempt")
                        .mapTo(String.class)
                        .set());
    assertThat(deliverers).as("both took part").isEqualTo(Set.of("deliverer-a", "deliverer-b"));
  }

  @Test
  void a_receiver_that_fails_30_percent_of_calls_and_is_down_for_a_while_still_gets_every_event() {
    var random = new Random(2026);
    var receiver =
        receiver(
            new TestReceiver(
                n -> TestReceiver.Answer.status(random.nextDouble() < 0.3 ? 500 : 200)));
    endpoint(receiver.url(), List.of());
    var ids = new ArrayList<String>(events(40, "invoice.paid"));
    var a = dispatcher("deliverer-a", new UrlGuard(true));
    var b = dispatcher("deliverer-b", new UrlGuard(true));
    int rounds = 0;
    while (rounds < 400) {
      if (rounds == 3) {
        receiver.down();
      }
      if (rounds == 3 + 12) { // two hours of clock later
        receiver.up();
      }
      if (rounds < 20 && rounds % 4 == 0) {
        ids.addAll(events(5, "invoice.paid")); // events keep coming while the receiver is down
      }
      round(a, b);
      rounds++;
      clock.advance(Duration.ofMinutes(10));
      long pending =
          db.jdbi()
              .withHandle(
                  h ->
                      h.createQuery(
                              "select count(*) from webhook_delivery where state <> 'DELIVERED'")
                          .mapTo(Long.class)
                          .one());
      if (rounds > 20 && pending == 0) {
        break;
      }
    }
    var missing = ids.stream().filter(id -> receiver.received(id) == 0).toList();
    System.out.printf(
        "flaky receiver: %d events, %d requests, %d rounds, missing %d%n",
        ids.size(), receiver.requests.size(), rounds, missing.size());
    assertThat(missing).as("events never received").isEmpty();
    var refused =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "select count(*) from webhook_attempt where status_code is null and error like 'connection failed%'")
                        .mapTo(Long.class)
                        .one());
    assertThat(refused).as("the outage was met (connections refused)").isPositive();
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
