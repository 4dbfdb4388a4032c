package dev.charon.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.charging.ChargeQueue;
import dev.charon.charging.Delivery;
import dev.charon.testing.ChargeRequests;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the RabbitMQ consumer does beyond the shared contract: recovery, poison messages, close. */
class RabbitChargeQueueTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();

  private final RabbitBroker broker = new RabbitBroker();
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private final AmqpSettings settings = broker.uniqueSettings(Map.of("CHARON_AMQP_PREFETCH", "10"));
  private final String consumerName = "charon-test-consumer-" + UUID.randomUUID();
  private final List<AutoCloseable> started = new ArrayList<>();
  private ChargeRequests requests;

  @BeforeEach
  void startRelay() {
    db.clean();
    requests = new ChargeRequests(db.jdbi());
    started.add(new OutboxRelay(db.jdbi(), settings, "charon-test-relay", metrics).start());
  }

  @AfterEach
  void stop() throws Exception {
    for (var closeable : started.reversed()) {
      closeable.close();
    }
    broker.close();
  }

  private RabbitChargeQueue consumer(String name) {
    var queue = RabbitChargeQueue.start(settings, name, metrics);
    started.add(queue);
    return queue;
  }

  private static List<Delivery> takeAtLeast(ChargeQueue queue, int n) {
    var taken = new ArrayList<Delivery>();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              taken.addAll(queue.take(10, Duration.ofMillis(100)));
              return taken.size() >= n;
            });
    return taken;
  }

  @Test
  void
      after_a_broker_side_connection_drop_deliveries_of_the_old_channel_are_not_acked_on_the_new_one()
          throws Exception {
    var rows = requests.enqueue(3);
    var queue = consumer(consumerName);
    var beforeDrop = takeAtLeast(queue, 3);

    assertThat(broker.closeConnectionsNamed(consumerName)).isEqualTo(1);
    // The broker requeues what the dead channel held and redelivers it on the recovered connection.
    var redelivered = takeAtLeast(queue, 3);
    assertThat(redelivered)
        .extracting(Delivery::requestId)
        .containsExactlyInAnyOrderElementsOf(
            rows.stream().map(ChargeRequests.Row::requestId).toList());

    // The engine finishes the old deliveries late: their tags (1..3) must not ack the new ones.
    beforeDrop.forEach(queue::done);
    redelivered.forEach(queue::handBack);
    var again = takeAtLeast(queue, 3);
    assertThat(again)
        .extracting(Delivery::requestId)
        .containsExactlyInAnyOrderElementsOf(
            rows.stream().map(ChargeRequests.Row::requestId).toList());

    // The new channel is healthy: acks go through and nothing comes back.
    again.forEach(queue::done);
    await().atMost(Duration.ofSeconds(5)).until(() -> ConsumerProbe.unsettled(queue) == 0);
    queue.close();
    assertThat(broker.ready(settings.queue())).isZero();
  }

  @Test
  void a_message_that_is_not_a_charge_request_is_dead_lettered_and_consuming_goes_on()
      throws Exception {
    var queue = consumer(consumerName);
    try (var channel = broker.admin().createChannel()) {
      channel.basicPublish(settings.exchange(), settings.routingKey(), null, "not json".getBytes());
    }
    var row = requests.enqueue();

    assertThat(takeAtLeast(queue, 1))
        .extracting(Delivery::requestId)
        .containsExactly(row.requestId());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> broker.ready(settings.deadLetterQueue()) == 1);
    assertThat(metrics.get("charon.queue.poison").counter().count()).isEqualTo(1);
  }

  @Test
  void closing_a_consumer_hands_back_what_it_had_buffered() throws Exception {
    var rows = requests.enqueue(5);
    var closing = consumer(consumerName);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ConsumerProbe.unsettled(closing) == 5); // prefetched, not taken

    closing.close();

    var next = consumer(consumerName + "-next");
    assertThat(takeAtLeast(next, 5))
        .extracting(Delivery::requestId)
        .containsExactlyInAnyOrderElementsOf(
            rows.stream().map(ChargeRequests.Row::requestId).toList());
  }
}
