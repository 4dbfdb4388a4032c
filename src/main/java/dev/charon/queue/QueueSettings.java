package dev.charon.queue;

import dev.charon.config.Env;

/** Which transport carries charge requests: {@code CHARON_QUEUE} = postgres (default) | rabbitmq. */
public record QueueSettings(Transport transport) {
  public enum Transport { POSTGRES, RABBITMQ }

  public static QueueSettings from(Env env) {
    return new QueueSettings(env.enumValue("CHARON_QUEUE", Transport.class, Transport.POSTGRES));
  }
}
