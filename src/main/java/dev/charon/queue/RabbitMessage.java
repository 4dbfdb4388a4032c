package dev.charon.queue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import java.io.IOException;

/**
 * The body of a charge-request message: {@code {"requestId":..,"invoiceId":..}}. The message id is
 * the request id, so duplicates (republishes) are recognisable at the broker and in logs.
 */
record RabbitMessage(long requestId, long invoiceId) {
  // Newer relays may add fields; older workers must still read the message.
  private static final ObjectMapper JSON =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  RabbitMessage {
    if (requestId <= 0 || invoiceId <= 0) {
      throw new IllegalArgumentException("request and invoice ids must be positive");
    }
  }

  byte[] body() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (IOException e) {
      throw new IllegalStateException("a record of two longs always serialises", e);
    }
  }

  AMQP.BasicProperties properties() {
    return new AMQP.BasicProperties.Builder()
        .contentType("application/json")
        .deliveryMode(2) // persistent: survives a broker restart
        .messageId(Long.toString(requestId))
        .build();
  }

  /** Reads a body; a message that is not one (poison) throws {@link IllegalArgumentException}. */
  static RabbitMessage parse(byte[] body) {
    try {
      var message = JSON.readValue(body, RabbitMessage.class);
      if (message == null) {
        throw new IllegalArgumentException("empty message body");
      }
      return message;
    } catch (IOException e) {
      throw new IllegalArgumentException("not a charge-request message: " + e.getMessage(), e);
    }
  }
}
