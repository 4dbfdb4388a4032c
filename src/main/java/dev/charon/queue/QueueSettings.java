package dev.charon.queue;

import dev.charon.config.Env;

/**
 * Which transport carries charge requests: {@code CHARON_QUEUE} = postgres (default) | rabbitmq,
 * with the broker's settings when it is rabbitmq (read at start, so a bad broker setting stops the
 * process before it does anything).
 */
public record QueueSettings(Transport transport, AmqpSettings amqp) {
  public enum Transport {
    POSTGRES,
    RABBITMQ
  }

  public QueueSettings {
    if ((transport == Transport.RABBITMQ) != (amqp != null)) {
      throw new IllegalArgumentException(
          "broker settings go with the rabbitmq transport, and only with it");
    }
  }

  public static QueueSettings from(Env env) {
    var transport = env.enumValue("CHARON_QUEUE", Transport.class, Transport.POSTGRES);
    return new QueueSettings(
        transport, transport == Transport.RABBITMQ ? AmqpSettings.from(env) : null);
  }
}
