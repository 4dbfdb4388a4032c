package dev.charon.queue;

import com.rabbitmq.client.Address;
import com.rabbitmq.client.ConnectionFactory;
import dev.charon.config.ConfigException;
import dev.charon.config.Env;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The RabbitMQ transport: where the broker is, what the topology is called, and how the relay and
 * the consumers pace themselves. The dead-letter exchange and queue are named after the main ones
 * ({@code <name>.dead}) so that one setting cannot point them at somebody else's queue.
 */
public record AmqpSettings(
    URI url,
    String exchange,
    String queue,
    int prefetch,
    int deliveryLimit,
    Duration recoveryInterval,
    int relayBatch,
    Duration relayPollInterval,
    Duration republishAfter,
    Duration confirmTimeout,
    List<Address> nodes) {

  public static final String DEFAULT_URL = "amqp://guest:guest@127.0.0.1:5672/%2F";
  // AMQP short strings are at most 255 bytes; leave room for the ".dead" suffix.
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,200}");

  public AmqpSettings {
    if (prefetch < 1 || deliveryLimit < 1 || relayBatch < 1) {
      throw new IllegalArgumentException(
          "prefetch, delivery limit and relay batch must be positive");
    }
    nodes = List.copyOf(nodes);
  }

  public static AmqpSettings from(Env env) {
    var urls = urls(env);
    return new AmqpSettings(
        urls.getFirst(),
        name(env, "CHARON_AMQP_EXCHANGE", "charon.charges"),
        name(env, "CHARON_AMQP_QUEUE", "charon.charge-requests"),
        env.integer("CHARON_AMQP_PREFETCH", 64, 1, 65_535),
        env.integer("CHARON_AMQP_DELIVERY_LIMIT", 20, 1, 1_000_000),
        positive(env, "CHARON_AMQP_RECOVERY_INTERVAL", Duration.ofSeconds(5)),
        env.integer("CHARON_RELAY_BATCH", 500, 1, 10_000),
        positive(env, "CHARON_RELAY_POLL_INTERVAL", Duration.ofMillis(200)),
        positive(env, "CHARON_RELAY_REPUBLISH_AFTER", Duration.ofMinutes(5)),
        positive(env, "CHARON_RELAY_CONFIRM_TIMEOUT", Duration.ofSeconds(30)),
        urls.stream()
            .map(u -> new Address(u.getHost(), u.getPort() == -1 ? defaultPort(u) : u.getPort()))
            .toList());
  }

  private static int defaultPort(URI url) {
    return "amqps".equals(url.getScheme())
        ? ConnectionFactory.DEFAULT_AMQP_OVER_SSL_PORT
        : ConnectionFactory.DEFAULT_AMQP_PORT;
  }

  public String deadLetterExchange() {
    return exchange + ".dead";
  }

  public String deadLetterQueue() {
    return queue + ".dead";
  }

  /** Messages are routed by the queue's own name on both the main and the dead-letter exchange. */
  public String routingKey() {
    return queue;
  }

  /** How often the relay looks for rows to republish: often enough to honour the timeout. */
  public Duration sweepInterval() {
    var fifth = republishAfter.dividedBy(5);
    return fifth.compareTo(Duration.ofMinutes(1)) > 0 ? Duration.ofMinutes(1) : fifth;
  }

  /**
   * The URL without its password, for log lines and error messages; a cluster's other nodes after
   * it.
   */
  public String safeUrl() {
    var info = url.getRawUserInfo();
    var first =
        info == null
            ? url.toString()
            : url.toString().replace(info, info.replaceAll(":.*", ":***"));
    return nodes.size() <= 1 ? first : first + " (nodes " + nodes + ")";
  }

  /**
   * One URL, or a cluster's nodes as a comma-separated list of URLs: the client connects to the
   * first that answers and, after losing it, recovers to any of them. The nodes share one user,
   * virtual host and scheme (the first URL's).
   */
  private static List<URI> urls(Env env) {
    var raw = env.string("CHARON_AMQP_URL", DEFAULT_URL);
    var urls = new ArrayList<URI>();
    for (var part : raw.split(",", -1)) {
      urls.add(url(part.strip()));
    }
    var first = urls.getFirst();
    for (var other : urls) {
      if (!Objects.equals(other.getScheme(), first.getScheme())
          || !Objects.equals(other.getRawUserInfo(), first.getRawUserInfo())
          || !Objects.equals(other.getRawPath(), first.getRawPath())) {
        throw new ConfigException(
            "CHARON_AMQP_URL is not valid: the nodes of a comma-separated list must share scheme, user and virtual host");
      }
    }
    return urls;
  }

  private static URI url(String raw) {
    try {
      var uri = new URI(raw);
      if (!"amqp".equals(uri.getScheme()) && !"amqps".equals(uri.getScheme())
          || uri.getHost() == null) {
        throw new IllegalArgumentException();
      }
      new ConnectionFactory().setUri(uri); // the client's own parser agrees
      return uri;
    } catch (Exception e) {
      // Not echoing the value: it may hold a password.
      throw new ConfigException(
          "CHARON_AMQP_URL is not valid: expected amqp[s]://user:password@host:port/vhost, or several separated by commas");
    }
  }

  private static String name(Env env, String variable, String defaultValue) {
    var value = env.string(variable, defaultValue);
    if (!NAME.matcher(value).matches() || value.startsWith("amq.")) {
      throw new ConfigException(
          variable
              + "="
              + value
              + " is not valid: expected 1-200 of A-Z a-z 0-9 . _ : - and no amq. prefix");
    }
    return value;
  }

  private static Duration positive(Env env, String variable, Duration defaultValue) {
    var value = env.duration(variable, defaultValue);
    if (value.isNegative() || value.isZero()) {
      throw new ConfigException(
          variable + "=" + value + " is not valid: expected a positive duration");
    }
    return value;
  }
}
