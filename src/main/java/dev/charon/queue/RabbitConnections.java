package dev.charon.queue;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens broker connections with automatic recovery: after a network failure or a broker-side close
 * the client reconnects and reopens channels every recovery interval. Topology recovery is off: the
 * relay and the consumer re-declare and re-subscribe themselves after a recovery, so that
 * deliveries and confirms of the old channel can never be mistaken for those of the new one.
 */
public final class RabbitConnections {
  private static final Logger log = LoggerFactory.getLogger(RabbitConnections.class);

  private RabbitConnections() {}

  /**
   * A connection named {@code name} (shown by {@code rabbitmqctl list_connections}); calls {@code
   * onRecovered}.
   */
  public static Connection open(AmqpSettings settings, String name, Runnable onRecovered) {
    var factory = new ConnectionFactory();
    try {
      factory.setUri(settings.url());
    } catch (Exception e) {
      throw new IllegalStateException("AmqpSettings validated the URL already", e);
    }
    factory.setAutomaticRecoveryEnabled(true);
    factory.setTopologyRecoveryEnabled(false);
    factory.setNetworkRecoveryInterval(settings.recoveryInterval().toMillis());
    factory.setConnectionTimeout(10_000);
    factory.setRequestedHeartbeat(30);
    // The client's default is ten minutes: a stuck broker must not hang the relay that long.
    factory.setChannelRpcTimeout((int) Math.max(10_000, settings.confirmTimeout().toMillis()));
    Connection connection;
    try {
      // The first connection is not covered by automatic recovery: fail the start loudly instead.
      // A cluster's nodes: the first that answers; recovery tries them all again.
      connection = factory.newConnection(settings.nodes(), name);
    } catch (Exception e) {
      throw new RabbitException(
          "connecting to RabbitMQ at " + settings.safeUrl() + " as " + name + " failed", e);
    }
    connection.addShutdownListener(
        cause -> {
          if (!cause.isInitiatedByApplication()) {
            log.warn(
                "RabbitMQ connection {} lost ({}); reconnecting every {}",
                name,
                cause.getMessage(),
                settings.recoveryInterval());
          }
        });
    connection.addBlockedListener(
        reason -> log.warn("RabbitMQ blocked connection {}: {}", name, reason),
        () -> log.info("RabbitMQ unblocked connection {}", name));
    ((Recoverable) connection)
        .addRecoveryListener(
            new RecoveryListener() {
              @Override
              public void handleRecovery(Recoverable recoverable) {
                log.info("RabbitMQ connection {} recovered", name);
                onRecovered.run();
              }

              @Override
              public void handleRecoveryStarted(Recoverable recoverable) {}
            });
    return connection;
  }
}
