package dev.charon.app;

import dev.charon.config.ConfigException;
import dev.charon.queue.AmqpSettings;
import dev.charon.queue.RabbitException;
import java.util.function.Supplier;

/**
 * A role's part that connects to RabbitMQ when it starts (relays, the queue intake). A broker that
 * is not there is a setting to fix, so it stops the role with one line naming it rather than a
 * stack trace.
 */
final class Brokered {
  private Brokered() {}

  /** {@code amqp}: the broker settings, null on the postgres transport (nothing to reach). */
  static <T> T start(AmqpSettings amqp, Supplier<T> start) {
    try {
      return start.get();
    } catch (RabbitException e) {
      var cause = e.getCause() == null ? e : e.getCause();
      var why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
      throw new ConfigException(
          "cannot reach RabbitMQ at "
              + (amqp == null ? "?" : amqp.safeUrl())
              + " ("
              + why
              + "): start it, point CHARON_AMQP_URL at a running broker, or use CHARON_QUEUE=postgres");
    }
  }
}
