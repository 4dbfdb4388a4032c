package dev.charon.queue;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * What a consuming service sees ({@code charon watch-events}): a private, auto-deleted queue bound
 * to the events exchange, each CloudEvent handed over as the JSON text it arrived as. No recovery:
 * a watcher that loses the broker ends, and its queue goes with it.
 */
public final class EventWatch implements AutoCloseable {
  private final Connection connection;
  private final Channel channel;
  private final String queue;

  private EventWatch(Connection connection, Channel channel, String queue) {
    this.connection = connection;
    this.channel = channel;
    this.queue = queue;
  }

  /**
   * Binds with {@code binding} and starts handing events to {@code onEvent}; {@code onCancel} when
   * the broker ends it.
   */
  public static EventWatch start(
      AmqpSettings amqp,
      String exchange,
      String binding,
      Consumer<String> onEvent,
      Runnable onCancel) {
    Connection connection = null;
    try {
      var factory = new ConnectionFactory();
      factory.setUri(amqp.url());
      factory.setAutomaticRecoveryEnabled(false);
      connection = factory.newConnection("charon-watch-events");
      var channel = connection.createChannel();
      // Same arguments as the server's relay declares, so whichever starts first creates it.
      channel.exchangeDeclare(exchange, BuiltinExchangeType.TOPIC, true);
      var queue = channel.queueDeclare("", false, true, true, null).getQueue();
      channel.queueBind(queue, exchange, binding);
      channel.basicConsume(
          queue,
          true,
          (tag, message) -> onEvent.accept(new String(message.getBody(), StandardCharsets.UTF_8)),
          tag -> onCancel.run());
      return new EventWatch(connection, channel, queue);
    } catch (Exception e) {
      if (connection != null) {
        connection.abort();
      }
      throw new RabbitException(
          "watching exchange " + exchange + " at " + amqp.safeUrl() + " failed", e);
    }
  }

  /** The private queue's broker-generated name. */
  public String queue() {
    return queue;
  }

  @Override
  public void close() {
    try {
      channel.close();
      connection.close();
    } catch (Exception e) {
      connection.abort(); // the queue is auto-deleted with the connection either way
    }
  }
}
