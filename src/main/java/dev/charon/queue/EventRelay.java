package dev.charon.queue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.charon.events.EventFeed;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the event outbox to a durable topic exchange (routing key = event type, e.g. {@code
 * invoice.paid}) as CloudEvents JSON, at least once: a batch is marked published only after the
 * broker confirmed all of it; anything unconfirmed goes again, under the same event id.
 */
public final class EventRelay implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EventRelay.class);
  private static final int BATCH = 500;

  private final Jdbi jdbi;
  private final AmqpSettings amqp;
  private final String exchange;
  private final String name;
  private final EventFeed feed;
  private final ObjectMapper json;
  private final Counter published;
  private final Thread loop;
  private volatile boolean running = true;
  private Connection connection;

  public EventRelay(
      Jdbi jdbi,
      AmqpSettings amqp,
      String exchange,
      String name,
      ObjectMapper json,
      MeterRegistry metrics) {
    this.jdbi = jdbi;
    this.amqp = amqp;
    this.exchange = exchange;
    this.name = name;
    this.json = json;
    this.feed = new EventFeed(jdbi, json);
    this.published = Counter.builder("charon.events.published").register(metrics);
    // The relay's lag: how long the first event in relay order has waited. A writing transaction
    // held open anywhere in the cluster shows here too (see architecture.md, commit-safe
    // positions).
    var lag =
        new dev.charon.ops.PolledValue<>(
            "the event relay's lag",
            () -> jdbi.withHandle(EventFeed::oldestUnpublishedAge),
            java.time.Duration.ofSeconds(5),
            0.0);
    io.micrometer.core.instrument.Gauge.builder(
            "charon.events.unpublished.oldest.age", lag, dev.charon.ops.PolledValue::get)
        .description("Seconds since the oldest event not yet published to the broker occurred")
        .baseUnit("seconds")
        // Gauges hold their object weakly: nothing else keeps this reading alive.
        .strongReference(true)
        .register(metrics);
    this.loop = Thread.ofPlatform().name("event-relay").daemon(true).unstarted(this::run);
  }

  public EventRelay start() {
    connection =
        RabbitConnections.open(amqp, name, () -> log.info("event relay {} reconnected", name));
    try (var channel = connection.createChannel()) {
      channel.exchangeDeclare(exchange, BuiltinExchangeType.TOPIC, true);
    } catch (Exception e) {
      throw new IllegalStateException("cannot declare topic exchange " + exchange, e);
    }
    loop.start();
    log.info("event relay publishing to topic exchange {}", exchange);
    return this;
  }

  private void run() {
    Channel channel = null;
    while (running) {
      try {
        if (channel == null || !channel.isOpen()) {
          channel = connection.createChannel();
          channel.confirmSelect();
        }
        if (!publishBatch(channel)) {
          Thread.sleep(200); // outbox empty: poll again shortly rather than spin
        }
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        // Unconfirmed events stay unpublished and go again with the same id; consumers dedupe.
        log.warn("publishing events failed; retrying in 1 s: {}", e.toString());
        channel = null;
        try {
          Thread.sleep(1000);
        } catch (InterruptedException interrupted) {
          return;
        }
      }
    }
  }

  /**
   * Publishes one batch inside a transaction holding its rows; true when a full batch went. It
   * sends exactly the rows it locked and marks exactly those: rows another relay holds, or that a
   * still-open transaction will commit later, are neither sent nor marked (issue 14: a contiguous
   * id window used to mark rows outside it published unsent).
   */
  private boolean publishBatch(Channel channel) throws Exception {
    return jdbi.inTransaction(
        h -> {
          var events = feed.lockUnpublished(h, BATCH);
          if (events.isEmpty()) {
            return false;
          }
          for (var positioned : events) {
            var event = positioned.event();
            var props =
                new AMQP.BasicProperties.Builder()
                    .contentType("application/cloudevents+json")
                    .deliveryMode(2)
                    .messageId(event.id())
                    .type(event.type())
                    .build();
            channel.basicPublish(
                exchange,
                event.type(),
                props,
                json.writeValueAsString(event).getBytes(StandardCharsets.UTF_8));
          }
          channel.waitForConfirmsOrDie(Duration.ofSeconds(30).toMillis());
          var ids = events.stream().mapToLong(e -> e.position().id()).boxed().toArray(Long[]::new);
          int marked = EventFeed.markPublished(h, ids);
          if (marked != ids.length) {
            throw new IllegalStateException(
                "marked " + marked + " of " + ids.length + " published events; rolling back");
          }
          published.increment(events.size());
          return events.size() == BATCH;
        });
  }

  public boolean connected() {
    return connection != null && connection.isOpen();
  }

  @Override
  public void close() {
    running = false;
    loop.interrupt();
    try {
      loop.join(5000);
      if (connection != null && connection.isOpen()) {
        connection.close();
      }
    } catch (Exception e) {
      log.debug("closing the event relay", e);
    }
  }
}
