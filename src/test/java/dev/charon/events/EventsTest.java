package dev.charon.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DeliverCallback;
import dev.charon.api.Json;
import dev.charon.config.Env;
import dev.charon.money.Currency;
import dev.charon.queue.AmqpSettings;
import dev.charon.queue.EventRelay;
import dev.charon.testing.Fixtures;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class EventsTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  private final Fixtures fixtures = new Fixtures(db.jdbi());
  private final ObjectMapper json = Json.mapper();

  @BeforeEach
  void clean() {
    db.clean();
  }

  /** Moves invoices through the states that publish events, the way the engine's SQL does. */
  private List<Long> changeStates() {
    long customer = fixtures.customer(Currency.EUR);
    var ids =
        List.of(
            fixtures.invoice().forCustomer(customer).create(),
            fixtures.invoice().forCustomer(customer).create(),
            fixtures.invoice().forCustomer(customer).create());
    db.jdbi()
        .useHandle(
            h -> {
              h.execute(
                  "insert into billing_run (period, cutoff, started_by, started_at) values ('2026-11', '2026-11-01', 'test', now())");
              h.execute(
                  "update invoice set status = 'PROCESSING', billing_run_id = 1, status_reason = 'enqueued'");
              h.execute(
                  "update invoice set status = 'PAID', paid_at = now(), status_reason = 'charged ch_1', status_actor = 'w' where id = ?",
                  ids.get(0));
              h.execute(
                  "update invoice set status = 'RETRY_SCHEDULED', next_attempt_at = now() + interval '1 day', status_reason = 'declined' where id = ?",
                  ids.get(1));
              h.execute(
                  "update invoice set status = 'ACTION_REQUIRED', status_reason = 'customer not found' where id = ?",
                  ids.get(2));
              h.execute("update billing_run set state = 'FINISHED', finished_at = now()");
            });
    return ids;
  }

  /**
   * Events show once no older writing transaction is open on the server, which other test classes
   * share.
   */
  private void awaitVisible(int count) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> new EventFeed(db.jdbi(), json).after(EventPosition.START, 100).size() >= count);
  }

  @Test
  void every_state_change_writes_a_cloud_event_in_the_same_transaction() {
    var ids = changeStates();
    awaitVisible(5);
    var events = new EventFeed(db.jdbi(), json).after(EventPosition.START, 100);
    assertThat(events)
        .extracting(e -> e.event().type())
        .containsExactly(
            "billing_run.started",
            "invoice.paid",
            "invoice.payment_failed",
            "invoice.action_required",
            "billing_run.finished");
    var paid = events.get(1).event();
    assertThat(paid.specversion()).isEqualTo("1.0");
    assertThat(paid.source()).isEqualTo("/charon");
    assertThat(paid.subject()).isEqualTo("invoices/" + ids.get(0));
    assertThat(paid.data().get("previousStatus").asText()).isEqualTo("PROCESSING");
    assertThat(paid.data().get("reason").asText()).isEqualTo("charged ch_1");
    assertThat(events.getLast().event().data().get("invoicesByStatus").get("PAID").asInt())
        .isEqualTo(1);
    assertThat(events).extracting(e -> e.event().id()).doesNotHaveDuplicates();

    db.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "begin; update invoice set status = 'VOID', status_reason = 'x' where id = "
                        + ids.get(2)
                        + "; rollback"));
    assertThat(new EventFeed(db.jdbi(), json).after(EventPosition.START, 100))
        .as("a rolled-back change publishes nothing")
        .hasSize(5);
  }

  @Test
  void the_feed_pages_with_a_cursor_and_rejects_a_bad_one() {
    changeStates();
    awaitVisible(5);
    try (var api = TestApi.start(db.jdbi(), java.time.Clock.systemUTC())) {
      var http = api.reader();
      var first = http.get("/rest/v1/events?limit=2");
      assertThat(first.status()).isEqualTo(200);
      assertThat(first.json()).hasSize(2);
      var rest = http.get("/rest/v1/events?after=" + first.header("X-Next-Cursor"));
      assertThat(rest.json()).hasSize(3);
      assertThat(rest.json().get(0).get("type").asText()).isEqualTo("invoice.payment_failed");
      var end = http.get("/rest/v1/events?after=" + rest.header("X-Next-Cursor"));
      assertThat(end.json()).isEmpty();
      assertThat(end.header("X-Next-Cursor"))
          .as("an empty page keeps the position")
          .isEqualTo(rest.header("X-Next-Cursor"));
      var bad = http.get("/rest/v1/events?after=nonsense");
      assertThat(bad.status()).isEqualTo(400);
      assertThat(bad.contentType()).startsWith("application/problem+json");
    }
  }

  @Test
  void the_relay_publishes_to_a_topic_exchange_and_loses_nothing_when_the_broker_drops_it()
      throws Exception {
    var exchange = "charon.events.test." + UUID.randomUUID().toString().substring(0, 8);
    var amqp = AmqpSettings.from(new Env(Map.of("CHARON_AMQP_RECOVERY_INTERVAL", "300ms")));
    var factory = new ConnectionFactory();
    factory.setUri(amqp.url());
    var received = new ConcurrentHashMap<String, String>();
    var relayName = "events-test-" + UUID.randomUUID();
    try (var consumer = factory.newConnection();
        var channel = consumer.createChannel();
        var relay =
            new EventRelay(db.jdbi(), amqp, exchange, relayName, json, new SimpleMeterRegistry())
                .start()) {
      var queue = channel.queueDeclare("", false, true, true, null).getQueue();
      channel.queueBind(queue, exchange, "#");
      DeliverCallback onMessage =
          (tag, message) -> {
            var event = json.readTree(new String(message.getBody(), StandardCharsets.UTF_8));
            assertThat(message.getProperties().getMessageId()).isEqualTo(event.get("id").asText());
            assertThat(message.getProperties().getContentType())
                .isEqualTo("application/cloudevents+json");
            assertThat(message.getEnvelope().getRoutingKey()).isEqualTo(event.get("type").asText());
            received.put(event.get("id").asText(), event.get("type").asText());
          };
      channel.basicConsume(queue, true, onMessage, tag -> {});

      changeStates();
      await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 5);

      closeConnectionsNamed(relayName);
      long customer = fixtures.customer(Currency.USD);
      long more = fixtures.invoice().forCustomer(customer).create();
      db.jdbi()
          .useHandle(
              h ->
                  h.execute(
                      "update invoice set status = 'VOID', status_reason = 'voided by operator' where id = ?",
                      more));
      await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 6);
      assertThat(Set.copyOf(received.values()))
          .contains("invoice.voided", "invoice.paid", "billing_run.finished");
      // A consumer can see a message before the relay has recorded its confirm; give it that
      // moment.
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                long unpublished =
                    db.jdbi()
                        .withHandle(
                            h ->
                                h.createQuery(
                                        "select count(*) from event_outbox where published_at is null")
                                    .mapTo(Long.class)
                                    .one());
                assertThat(unpublished)
                    .as("events still unpublished after all were received")
                    .isZero();
              });
      try (var admin = factory.newConnection();
          var ch = admin.createChannel()) {
        ch.exchangeDelete(exchange);
      }
    }
  }

  private static void closeConnectionsNamed(String name) throws Exception {
    var process =
        new ProcessBuilder("rabbitmqctl", "-q", "list_connections", "pid", "client_properties")
            .start();
    var listing = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    process.waitFor();
    for (var line : listing.split("\n")) {
      var columns = line.split("\t", 2);
      if (columns.length == 2 && columns[1].contains("\"" + name + "\"")) {
        new ProcessBuilder("rabbitmqctl", "-q", "close_connection", columns[0].trim(), "test")
            .start()
            .waitFor();
      }
    }
  }
}
