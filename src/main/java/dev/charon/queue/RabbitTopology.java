package dev.charon.queue;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import java.io.IOException;
import java.util.Map;

/**
 * Declares the charge-request topology; safe to run from every server and worker at every start
 * (declaring what exists with the same arguments is a no-op). A queue that exists with different
 * arguments (say another delivery limit) makes the broker refuse with PRECONDITION_FAILED: that is
 * deliberate, since arguments of an existing queue can only be changed by deleting it or by a
 * policy.
 */
public final class RabbitTopology {
  private RabbitTopology() {}

  public static void declare(Connection connection, AmqpSettings settings) {
    // A throwaway channel: a refused declaration closes the channel it was made on.
    try (Channel channel = connection.createChannel()) {
      declare(channel, settings);
    } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
      throw new RabbitException(
          "declaring exchange "
              + settings.exchange()
              + " and quorum queue "
              + settings.queue()
              + " failed"
              + " (a queue that exists with other arguments must be deleted or changed by policy)",
          e);
    }
  }

  static void declare(Channel channel, AmqpSettings s) throws IOException {
    channel.exchangeDeclare(s.deadLetterExchange(), BuiltinExchangeType.DIRECT, true);
    channel.queueDeclare(s.deadLetterQueue(), true, false, false, Map.of("x-queue-type", "quorum"));
    channel.queueBind(s.deadLetterQueue(), s.deadLetterExchange(), s.routingKey());

    channel.exchangeDeclare(s.exchange(), BuiltinExchangeType.DIRECT, true);
    channel.queueDeclare(s.queue(), true, false, false, queueArguments(s));
    channel.queueBind(s.queue(), s.exchange(), s.routingKey());
  }

  /**
   * Quorum (replicated, and the only type with a delivery limit); a message redelivered more than
   * the limit (crash loops, poison messages) goes to the dead-letter exchange instead of cycling
   * forever. Its charge_request row stays, so the relay's sweeper republishes it later.
   */
  static Map<String, Object> queueArguments(AmqpSettings s) {
    return Map.of(
        "x-queue-type", "quorum",
        "x-delivery-limit", s.deliveryLimit(),
        "x-dead-letter-exchange", s.deadLetterExchange(),
        "x-dead-letter-routing-key", s.routingKey());
  }

  /**
   * Removes everything {@link #declare} made (tests, and operators tearing down an environment).
   */
  public static void delete(Connection connection, AmqpSettings s) {
    try (Channel channel = connection.createChannel()) {
      channel.queueDelete(s.queue());
      channel.queueDelete(s.deadLetterQueue());
      channel.exchangeDelete(s.exchange());
      channel.exchangeDelete(s.deadLetterExchange());
    } catch (IOException | java.util.concurrent.TimeoutException e) {
      throw new RabbitException("deleting the topology of " + s.queue() + " failed", e);
    }
  }
}
