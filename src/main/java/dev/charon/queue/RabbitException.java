package dev.charon.queue;

/** Infrastructure failure talking to RabbitMQ, with what Charon was doing when it happened. */
public class RabbitException extends RuntimeException {
  public RabbitException(String message, Throwable cause) {
    super(message, cause);
  }
}
