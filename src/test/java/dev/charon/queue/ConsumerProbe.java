package dev.charon.queue;

import com.rabbitmq.client.Connection;

/**
 * What tests do to and see of a RabbitMQ consumer from outside its API: its process dying, and the
 * deliveries it holds. Reads the consumer's fields, so main code carries nothing only tests use.
 */
final class ConsumerProbe {
  private ConsumerProbe() {}

  /**
   * The consumer's process dies: the connection goes without acks or hand-backs; the broker
   * redelivers.
   */
  static void crash(RabbitChargeQueue consumer) {
    ((Connection) field(consumer, "connection")).abort();
  }

  /** Deliveries received and not yet acked or handed back (buffered or being charged). */
  static int unsettled(RabbitChargeQueue consumer) {
    var subscription = (RabbitSubscription) field(consumer, "subscription");
    return subscription == null ? 0 : subscription.unsettled();
  }

  private static Object field(RabbitChargeQueue consumer, String name) {
    try {
      var field = RabbitChargeQueue.class.getDeclaredField(name);
      field.setAccessible(true);
      return field.get(consumer);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("RabbitChargeQueue no longer has a field named " + name, e);
    }
  }
}
