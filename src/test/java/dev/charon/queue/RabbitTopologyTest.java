package dev.charon.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RabbitTopologyTest {
  private final RabbitBroker broker = new RabbitBroker();

  @AfterEach
  void deleteTopology() throws Exception {
    broker.close();
  }

  @Test
  void declaring_the_topology_twice_is_a_no_op() {
    var settings = broker.uniqueSettings(Map.of());
    RabbitTopology.declare(broker.admin(), settings);
    RabbitTopology.declare(broker.admin(), settings);
    assertThat(broker.ready(settings.queue())).isZero();
  }

  @Test
  void the_queue_is_a_quorum_queue_with_an_explicit_delivery_limit_and_dead_letter_exchange()
      throws Exception {
    var settings = broker.uniqueSettings(Map.of("CHARON_AMQP_DELIVERY_LIMIT", "7"));
    RabbitTopology.declare(broker.admin(), settings);

    // The broker refuses a re-declaration whose arguments differ from the queue's: so each of these
    // arguments is set on the queue, with exactly this value.
    var expected = RabbitTopology.queueArguments(settings);
    assertThat(expected)
        .containsEntry("x-queue-type", "quorum")
        .containsEntry("x-delivery-limit", 7)
        .containsEntry("x-dead-letter-exchange", settings.deadLetterExchange());
    for (var changed :
        Map.of(
                "x-queue-type",
                (Object) "classic",
                "x-delivery-limit",
                8,
                "x-dead-letter-exchange",
                "elsewhere")
            .entrySet()) {
      var arguments = new HashMap<>(expected);
      arguments.put(changed.getKey(), changed.getValue());
      try (Channel channel = broker.admin().createChannel()) {
        assertThatThrownBy(
                () -> channel.queueDeclare(settings.queue(), true, false, false, arguments))
            .as(changed.getKey())
            .hasStackTraceContaining("PRECONDITION_FAILED")
            .hasStackTraceContaining(changed.getKey());
      } catch (com.rabbitmq.client.AlreadyClosedException expectedClose) {
        // the refusal closed the channel; nothing left to close
      }
    }
  }

  @Test
  void a_message_redelivered_more_often_than_the_delivery_limit_lands_in_the_dead_letter_queue()
      throws Exception {
    var settings = broker.uniqueSettings(Map.of("CHARON_AMQP_DELIVERY_LIMIT", "2"));
    RabbitTopology.declare(broker.admin(), settings);
    var message = new RabbitMessage(41, 42);
    try (Channel channel = broker.admin().createChannel()) {
      channel.basicPublish(
          settings.exchange(), settings.routingKey(), message.properties(), message.body());

      var deliveries = new java.util.concurrent.atomic.AtomicInteger();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                var got = channel.basicGet(settings.queue(), false);
                if (got != null) {
                  deliveries.incrementAndGet();
                  channel.basicNack(got.getEnvelope().getDeliveryTag(), false, true);
                }
                return broker.ready(settings.deadLetterQueue()) > 0;
              });

      assertThat(deliveries.get()).isEqualTo(3); // the first delivery and two redeliveries
      assertThat(broker.ready(settings.queue())).isZero();
      assertThat(broker.drain(settings.deadLetterQueue())).containsExactly(message);
    }
  }
}
