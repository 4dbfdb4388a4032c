package dev.charon.queue;

import com.rabbitmq.client.Connection;

/** A consumer's process dying, as tests simulate it: the connection goes without acks or hand-backs. */
final class Crash {
  private Crash() {}

  /** Aborts the consumer's connection; the broker returns its unacked deliveries to the queue. */
  static void of(RabbitChargeQueue consumer) {
    try {
      var field = RabbitChargeQueue.class.getDeclaredField("connection");
      field.setAccessible(true);
      ((Connection) field.get(consumer)).abort();
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("RabbitChargeQueue no longer holds its connection in a field named connection", e);
    }
  }
}
