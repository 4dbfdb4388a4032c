package dev.charon.queue;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.charon.config.Env;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The test's view of the real broker ({@code CHARON_TEST_AMQP_URL}, default the local one):
 * settings with names unique to one test, an admin connection to inspect queues, and rabbitmqctl
 * for what only the broker side can do (drop a connection, set a policy).
 */
final class RabbitBroker implements AutoCloseable {
  static final String URL = env("CHARON_TEST_AMQP_URL", AmqpSettings.DEFAULT_URL);

  private final Connection admin;
  private final List<AmqpSettings> declared = new ArrayList<>();
  private final List<String> policies = new ArrayList<>();

  RabbitBroker() {
    try {
      var factory = new ConnectionFactory();
      factory.setUri(URL);
      factory.setAutomaticRecoveryEnabled(false);
      admin = factory.newConnection("charon-test-admin");
    } catch (Exception e) {
      throw new IllegalStateException("tests need RabbitMQ at " + URL, e);
    }
  }

  private static String env(String name, String fallback) {
    var value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }

  /** Settings with a fresh exchange and queue name; the topology is deleted on {@link #close}. */
  AmqpSettings uniqueSettings(Map<String, String> overrides) {
    var id = UUID.randomUUID().toString().substring(0, 8);
    var values = new HashMap<String, String>();
    values.put("CHARON_AMQP_URL", URL);
    values.put("CHARON_AMQP_EXCHANGE", "charon.test." + id);
    values.put("CHARON_AMQP_QUEUE", "charon.test." + id);
    values.put("CHARON_AMQP_RECOVERY_INTERVAL", "300ms");
    values.put("CHARON_RELAY_POLL_INTERVAL", "50ms");
    values.putAll(overrides);
    var settings = AmqpSettings.from(new Env(values));
    declared.add(settings);
    return settings;
  }

  Connection admin() {
    return admin;
  }

  /** Ready messages in a queue (0 if it does not exist). */
  long ready(String queue) {
    try (Channel channel = admin.createChannel()) {
      return channel.queueDeclarePassive(queue).getMessageCount();
    } catch (Exception e) {
      return 0;
    }
  }

  /**
   * Takes every ready message off a queue (auto-acked, consumed in bulk) and returns them, parsed.
   */
  List<RabbitMessage> drain(String queue)
      throws IOException, java.util.concurrent.TimeoutException {
    long count = ready(queue);
    var messages = java.util.Collections.synchronizedList(new ArrayList<RabbitMessage>());
    if (count == 0) {
      return messages;
    }
    try (Channel channel = admin.createChannel()) {
      channel.basicQos(1_000);
      var tag =
          channel.basicConsume(
              queue,
              true,
              (consumerTag, delivery) -> messages.add(RabbitMessage.parse(delivery.getBody())),
              t -> {});
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(60))
          .until(() -> messages.size() >= count);
      channel.basicCancel(tag);
    }
    return List.copyOf(messages);
  }

  /**
   * Closes, from the broker side, every connection whose client-given name starts with {@code
   * prefix}.
   */
  int closeConnectionsNamed(String prefix) throws IOException {
    // A header, then one line per connection: "<pid>\t[{"connection_name","..."},...]".
    var listing = rabbitmqctl("list_connections", "pid", "client_properties", "-q");
    int closed = 0;
    for (var line : listing.split("\n")) {
      var columns = line.split("\t", 2);
      if (columns.length == 2 && columns[1].contains("{\"connection_name\",\"" + prefix)) {
        rabbitmqctl("close_connection", columns[0].trim(), "test");
        closed++;
      }
    }
    return closed;
  }

  /** Applies a queue policy to exactly one queue; removed on {@link #close}. */
  void policy(String queue, String definitionJson) throws IOException {
    var name = "charon-test-" + queue;
    rabbitmqctl(
        "set_policy",
        "--apply-to",
        "queues",
        "--priority",
        "100",
        name,
        "^" + java.util.regex.Pattern.quote(queue) + "$",
        definitionJson);
    policies.add(name);
  }

  void clearPolicy(String queue) throws IOException {
    var name = "charon-test-" + queue;
    rabbitmqctl("clear_policy", name);
    policies.remove(name);
  }

  static String rabbitmqctl(String... args) throws IOException {
    var command = new ArrayList<String>();
    command.add("rabbitmqctl");
    command.addAll(List.of(args));
    var process = new ProcessBuilder(command).redirectErrorStream(true).start();
    var output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    boolean exited;
    try {
      exited = process.waitFor(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted waiting for rabbitmqctl");
    }
    if (!exited || process.exitValue() != 0) {
      throw new IllegalStateException(
          "rabbitmqctl " + String.join(" ", args) + " failed: " + output);
    }
    return output;
  }

  @Override
  public void close() throws IOException {
    for (var policy : List.copyOf(policies)) {
      rabbitmqctl("clear_policy", policy);
    }
    for (var settings : declared) {
      RabbitTopology.delete(admin, settings);
    }
    admin.close();
  }
}
