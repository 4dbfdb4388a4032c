package dev.charon.queue;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One generation of a consumer: its own channel (with the prefetch), its consumer, and the tags it
 * delivered and has not settled. Settling a tag twice is skipped (the broker would close the
 * channel for an unknown tag); settling on a dead channel is skipped (the broker redelivers).
 */
final class RabbitSubscription {
  private static final Logger log = LoggerFactory.getLogger(RabbitSubscription.class);

  interface Listener {
    void arrived(RabbitSubscription from, long tag, boolean redelivery, byte[] body);
  }

  private final Channel channel;
  private final int generation;
  private final Set<Long> unsettled = ConcurrentHashMap.newKeySet();
  private volatile boolean active = true;
  private volatile String consumerTag;

  private RabbitSubscription(Channel channel, int generation) {
    this.channel = channel;
    this.generation = generation;
  }

  static RabbitSubscription open(
      Connection connection,
      AmqpSettings settings,
      String name,
      int generation,
      Listener listener) {
    Channel channel = null;
    try {
      channel = connection.createChannel();
      channel.basicQos(settings.prefetch()); // per consumer; quorum queues have no global prefetch
      var subscription = new RabbitSubscription(channel, generation);
      channel.addShutdownListener(cause -> subscription.active = false);
      subscription.consumerTag =
          channel.basicConsume(
              settings.queue(),
              false,
              name + "#" + generation,
              new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(
                    String consumerTag,
                    Envelope envelope,
                    AMQP.BasicProperties properties,
                    byte[] body) {
                  subscription.unsettled.add(envelope.getDeliveryTag());
                  listener.arrived(
                      subscription, envelope.getDeliveryTag(), envelope.isRedeliver(), body);
                }

                @Override
                public void handleCancel(String consumerTag) {
                  log.warn(
                      "the broker cancelled consumer {} (queue {} deleted?)",
                      consumerTag,
                      settings.queue());
                  subscription.active = false;
                }

                @Override
                public void handleShutdownSignal(
                    String consumerTag, ShutdownSignalException cause) {
                  subscription.active = false;
                }
              });
      return subscription;
    } catch (IOException | RuntimeException e) {
      abortQuietly(channel);
      throw new RabbitException("consuming from queue " + settings.queue() + " failed", e);
    }
  }

  int generation() {
    return generation;
  }

  boolean isActive() {
    return active && channel.isOpen();
  }

  int unsettled() {
    return unsettled.size();
  }

  /** Acks (the engine committed) or nacks with requeue (handed back) one delivery, at most once. */
  void settle(long tag, boolean ack) {
    if (!unsettled.remove(tag) || !channel.isOpen()) {
      return;
    }
    try {
      if (ack) {
        channel.basicAck(tag, false);
      } else {
        channel.basicNack(tag, false, true);
      }
    } catch (IOException | RuntimeException e) {
      log.debug("settling delivery {} failed; the broker redelivers it", tag, e);
    }
  }

  /** Refuses a message for good: it goes to the dead-letter exchange. */
  void reject(long tag) {
    if (!unsettled.remove(tag) || !channel.isOpen()) {
      return;
    }
    try {
      channel.basicReject(tag, false);
    } catch (IOException | RuntimeException e) {
      log.debug("rejecting delivery {} failed", tag, e);
    }
  }

  /** Stops new deliveries; the ones already received can still be settled. */
  void cancel() {
    active = false;
    try {
      if (consumerTag != null && channel.isOpen()) {
        channel.basicCancel(consumerTag);
      }
    } catch (IOException | RuntimeException e) {
      log.debug("cancelling consumer {} failed", consumerTag, e);
    }
  }

  /** Drops the channel: the broker requeues whatever this generation has not settled. */
  void abandon() {
    active = false;
    abortQuietly(channel);
  }

  private static void abortQuietly(Channel channel) {
    if (channel != null) {
      try {
        channel.abort();
      } catch (IOException | RuntimeException e) {
        // Gone already.
      }
    }
  }
}
