package dev.charon.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.charon.api.Json;
import dev.charon.config.Env;
import dev.charon.queue.AmqpSettings;
import dev.charon.queue.EventRelay;
import dev.charon.testing.Http;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 14's data loss, from outside: event ids come from a sequence at insert time, so a
 * transaction that took an early id can commit after later ids were relayed and paged past. Every
 * event must still reach a queue bound to the events exchange and a consumer paging the feed, and
 * none may be marked published without having been sent.
 */
class EventOrderingTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  private final ObjectMapper json = Json.mapper();
  private final String exchange =
      "charon.events.order." + UUID.randomUUID().toString().substring(0, 8);
  private final Set<String> onQueue = ConcurrentHashMap.newKeySet();
  private Connection consumer;

  @BeforeEach
  void bindAQueue() throws Exception {
    db.clean();
    db.jdbi().useHandle(h -> h.execute("delete from api_key"));
    var factory = new ConnectionFactory();
    factory.setUri(AmqpSettings.DEFAULT_URL);
    consumer = factory.newConnection("events-order-test");
    Channel channel = consumer.createChannel();
    channel.exchangeDeclare(exchange, "topic", true);
    var queue = channel.queueDeclare("", false, true, true, null).getQueue();
    channel.queueBind(queue, exchange, "#");
    channel.basicConsume(
        queue,
        true,
        (tag, message) ->
            onQueue.add(
                json.readTree(new String(message.getBody(), StandardCharsets.UTF_8))
                    .get("id")
                    .asText()),
        tag -> {});
  }

  @AfterEach
  void deleteExchange() throws Exception {
    try (var channel = consumer.createChannel()) {
      channel.exchangeDelete(exchange);
    }
    consumer.close();
  }

  private EventRelay relay(String name) {
    var amqp = AmqpSettings.from(new Env(Map.of("CHARON_AMQP_RECOVERY_INTERVAL", "300ms")));
    return new EventRelay(
        db.jdbi(), amqp, exchange, name + "-" + UUID.randomUUID(), json, new SimpleMeterRegistry());
  }

  /**
   * Waits until the condition holds or the time is up; the assertions after it report what is
   * missing.
   */
  private static void waitFor(Duration limit, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static final String INSERT =
      "insert into event_outbox (type, subject, data) values ('test.event', ?, '{}'::jsonb)";

  private void commitEvents(int count, String subject) {
    db.jdbi()
        .useTransaction(
            h -> {
              for (int i = 0; i < count; i++) {
                h.execute(INSERT, subject + "/" + i);
              }
            });
  }

  private List<String> outbox() {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select event_id::text from event_outbox")
                    .mapTo(String.class)
                    .list());
  }

  private long publishedCount() {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select count(*) from event_outbox where published_at is not null")
                    .mapTo(Long.class)
                    .one());
  }

  /** Pages the HTTP feed with its cursor until stopped, collecting every event id it is given. */
  private static final class FeedReader implements AutoCloseable {
    final Set<String> seen = ConcurrentHashMap.newKeySet();
    final List<String> duplicates = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private volatile String cursor;

    FeedReader(Http http) {
      thread =
          Thread.ofVirtual()
              .start(
                  () -> {
                    while (running.get()) {
                      pageOnce(http);
                      try {
                        Thread.sleep(20);
                      } catch (InterruptedException e) {
                        return;
                      }
                    }
                  });
    }

    void pageOnce(Http http) {
      var response =
          http.get("/rest/v1/events?limit=7" + (cursor == null ? "" : "&after=" + cursor));
      assertThat(response.status()).isEqualTo(200);
      for (var event : response.json()) {
        if (!seen.add(event.get("id").asText())) {
          duplicates.add(event.get("id").asText());
        }
      }
      cursor = response.header("X-Next-Cursor");
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join();
    }
  }

  @Test
  void
      an_event_that_commits_after_later_ones_were_relayed_and_paged_past_still_reaches_the_broker_and_the_feed()
          throws Exception {
    try (var api = TestApi.start(db.jdbi(), Clock.systemUTC());
        var feed = new FeedReader(api.reader());
        var relay = relay("order").start();
        var late =
            DriverManager.getConnection(db.jdbcUrl(), TestDatabase.USER, TestDatabase.PASSWORD)) {
      late.setAutoCommit(false);
      try (var insert = late.prepareStatement(INSERT)) {
        insert.setString(1, "late/early-id");
        insert.execute(); // takes the first id and holds it uncommitted
      }
      for (int i = 0; i < 39; i++) {
        commitEvents(1, "on-time/" + i);
      }
      // Before the fix the 39 were relayed and paged past here; after it nothing later than the
      // open
      // transaction's position is exposed, so this wait runs out and nothing has gone yet.
      waitFor(
          Duration.ofSeconds(5),
          () -> publishedCount() == 39 && onQueue.size() == 39 && feed.seen.size() == 39);
      try (var insert = late.prepareStatement(INSERT)) {
        for (int i = 0; i < 5; i++) {
          insert.setString(1, "late/" + i);
          insert.execute();
        }
      }
      late.commit();

      var all = outbox();
      assertThat(all).hasSize(45);
      await().atMost(Duration.ofSeconds(30)).until(() -> publishedCount() == 45);
      // Marked published must mean sent: give the broker a moment to hand over what it confirmed.
      waitFor(Duration.ofSeconds(10), () -> onQueue.containsAll(all) && feed.seen.containsAll(all));
      assertThat(onQueue)
          .as(
              "every event reached the queue bound to the exchange (%d of %d)",
              onQueue.size(), all.size())
          .containsExactlyInAnyOrderElementsOf(all);
      assertThat(feed.seen)
          .as(
              "a consumer paging the feed meanwhile saw every event (%d of %d)",
              feed.seen.size(), all.size())
          .containsExactlyInAnyOrderElementsOf(all);
      assertThat(feed.duplicates)
          .as("the feed never repeats an event to a consumer that follows its cursor")
          .isEmpty();
    }
  }

  @Test
  void rows_another_relay_holds_are_neither_sent_nor_marked_by_this_one() throws Exception {
    commitEvents(20, "batch");
    try (var other =
        DriverManager.getConnection(db.jdbcUrl(), TestDatabase.USER, TestDatabase.PASSWORD)) {
      other.setAutoCommit(false);
      // Another server's relay has locked every other row: this relay's locked ids are not
      // contiguous.
      try (var lock = other.createStatement()) {
        lock.execute("select id from event_outbox where id % 2 = 0 for update");
      }
      try (var relay = relay("second").start()) {
        await().atMost(Duration.ofSeconds(30)).until(() -> publishedCount() >= 10);
        Thread.sleep(500); // let a wrong relay mark more than it sent
        var marked =
            db.jdbi()
                .withHandle(
                    h ->
                        h.createQuery(
                                "select event_id::text from event_outbox where published_at is not null")
                            .mapTo(String.class)
                            .list());
        waitFor(Duration.ofSeconds(10), () -> onQueue.containsAll(marked));
        assertThat(onQueue).as("every row marked published was sent").containsAll(marked);
        other.rollback(); // the other relay dies without publishing: its rows must go out from this
        // one
        var all = outbox();
        waitFor(Duration.ofSeconds(30), () -> publishedCount() == 20 && onQueue.containsAll(all));
        assertThat(onQueue).containsExactlyInAnyOrderElementsOf(all);
      }
    }
  }

  @Test
  void two_relays_at_once_with_out_of_order_commits_and_a_paging_consumer_lose_nothing()
      throws Exception {
    try (var api = TestApi.start(db.jdbi(), Clock.systemUTC());
        var feed = new FeedReader(api.reader());
        var first = relay("first").start();
        var second = relay("second").start()) {
      var writers = new ArrayList<Thread>();
      for (int w = 0; w < 6; w++) {
        int writer = w;
        writers.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      var random = new java.util.Random(writer);
                      for (int t = 0; t < 15; t++) {
                        // Each transaction takes ids, then holds them open for a while: commits
                        // land out of id order.
                        int events = 1 + random.nextInt(4);
                        db.jdbi()
                            .useTransaction(
                                h -> {
                                  for (int i = 0; i < events; i++) {
                                    h.execute(INSERT, "writer-" + writer + "/" + i);
                                    pause(random.nextInt(30));
                                  }
                                });
                      }
                    }));
      }
      for (var writer : writers) {
        writer.join();
      }
      var all = outbox();
      assertThat(all).hasSizeGreaterThan(90);
      waitFor(
          Duration.ofSeconds(60),
          () ->
              publishedCount() == all.size()
                  && onQueue.containsAll(all)
                  && feed.seen.containsAll(all));
      assertThat(publishedCount()).isEqualTo(all.size());
      assertThat(onQueue).containsExactlyInAnyOrderElementsOf(all);
      assertThat(feed.seen).containsExactlyInAnyOrderElementsOf(all);
      assertThat(feed.duplicates).isEmpty();
    }
  }

  @Test
  void nothing_behind_an_open_transaction_is_exposed_until_it_ends() throws Exception {
    var feed = new EventFeed(db.jdbi(), json);
    try (var open =
        DriverManager.getConnection(db.jdbcUrl(), TestDatabase.USER, TestDatabase.PASSWORD)) {
      open.setAutoCommit(false);
      try (var insert = open.prepareStatement(INSERT)) {
        insert.setString(1, "open");
        insert.execute();
      }
      commitEvents(3, "later");
      assertThat(feed.after(EventPosition.START, 100))
          .as("later commits wait behind the open transaction")
          .isEmpty();
      open.rollback();
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> feed.after(EventPosition.START, 100).size() == 3);
    assertThat(feed.after(EventPosition.START, 100))
        .extracting(e -> e.event().subject())
        .containsExactly("later/0", "later/1", "later/2");
  }

  @Test
  void an_id_cursor_issued_before_positions_still_pages_from_where_it_was() {
    for (int i = 0; i < 5; i++) {
      commitEvents(1, "e" + i);
    }
    var feed = new EventFeed(db.jdbi(), json);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> feed.after(EventPosition.START, 100).size() == 5);
    try (var api = TestApi.start(db.jdbi(), Clock.systemUTC())) {
      var page = api.reader().get("/rest/v1/events?after=" + dev.charon.api.Cursor.encode(2));
      assertThat(page.status()).isEqualTo(200);
      assertThat(page.json())
          .extracting(e -> e.get("subject").asText())
          .containsExactly("e2/0", "e3/0", "e4/0");
      var end = api.reader().get("/rest/v1/events?after=" + page.header("X-Next-Cursor"));
      assertThat(end.json()).isEmpty();
      var bad = api.reader().get("/rest/v1/events?after=" + dev.charon.api.Cursor.encode(-1));
      assertThat(bad.status()).isEqualTo(400);
    }
  }
}
