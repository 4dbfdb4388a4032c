package dev.charon.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.broker.AmqpSettings;
import dev.charon.charging.ChargeQueue;
import dev.charon.charging.ChargeQueue.Delivery;
import dev.charon.charging.PostgresChargeQueue;
import dev.charon.queue.QueueSettings.Transport;
import dev.charon.testing.ChargeRequests;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What every transport promises the charge worker, run against each of them: PostgreSQL (claims
 * with leases) and RabbitMQ (the outbox relay plus a consumer per queue, on a queue of its own).
 */
@ParameterizedClass
@EnumSource(Transport.class)
class ChargeQueueContractTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();

  private static final Duration LONG_LEASE = Duration.ofSeconds(60);
  private static final Duration SHORT_LEASE = Duration.ofSeconds(1);

  @Parameter Transport transport;

  private ChargeRequests requests;
  private Consumers consumers;

  @BeforeEach
  void start() {
    db.clean();
    requests = new ChargeRequests(db.jdbi());
    // Not a switch: one on an enum compiles to a synthetic ChargeQueueContractTest$1, which the
    // -Dtest=ChargeQueueContract* pattern would pick up as a test class.
    consumers = transport == Transport.POSTGRES ? new PostgresConsumers() : new RabbitConsumers();
  }

  @AfterEach
  void stop() throws Exception {
    consumers.close();
  }

  @Test
  void an_enqueued_request_is_delivered_with_its_invoice() throws Exception {
    var row = requests.enqueue();
    var queue = consumers.open(LONG_LEASE);

    var delivered = takeAtLeast(queue, 1, 10);

    assertThat(delivered)
        .extracting(Delivery::requestId, Delivery::invoiceId)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(row.requestId(), row.invoiceId()));
  }

  @Test
  void take_returns_no_more_deliveries_than_asked_for() throws Exception {
    var rows = requests.enqueue(7);
    var queue = consumers.open(LONG_LEASE);

    // Completing each one as the worker does: the broker sends no more than the prefetch unacked.
    var delivered = new ArrayList<Delivery>();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              var batch = queue.take(2, Duration.ofMillis(100));
              assertThat(batch).hasSizeLessThanOrEqualTo(2);
              batch.forEach(d -> complete(queue, d));
              delivered.addAll(batch);
              return delivered.size() >= rows.size();
            });

    assertThat(delivered)
        .extracting(Delivery::requestId)
        .containsExactlyInAnyOrderElementsOf(
            rows.stream().map(ChargeRequests.Row::requestId).toList());
  }

  @Test
  void a_delivery_handed_back_is_delivered_again() throws Exception {
    var row = requests.enqueue();
    var queue = consumers.open(LONG_LEASE);
    var first = takeAtLeast(queue, 1, 10).getFirst();

    queue.handBack(first);

    assertThat(takeAtLeast(queue, 1, 10))
        .extracting(Delivery::requestId)
        .containsExactly(row.requestId());
  }

  @Test
  void a_request_done_is_not_delivered_again() throws Exception {
    requests.enqueue();
    var queue = consumers.open(LONG_LEASE);
    complete(queue, takeAtLeast(queue, 1, 10).getFirst());

    assertThat(queue.take(10, Duration.ofSeconds(1))).isEmpty();
  }

  @Test
  void each_request_is_held_by_only_one_of_two_competing_consumers_at_a_time() throws Exception {
    var rows = requests.enqueue(300);
    var holders = new ConcurrentHashMap<Long, String>();
    var completed = ConcurrentHashMap.<Long>newKeySet();
    var violations = new ConcurrentLinkedQueue<String>();
    var running = new AtomicBoolean(true);
    try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (var name : List.of("a", "b")) {
        var queue = consumers.open(LONG_LEASE);
        threads.submit(
            () -> {
              while (running.get()) {
                for (var delivery : queue.take(8, Duration.ofMillis(100))) {
                  var other = holders.putIfAbsent(delivery.requestId(), name);
                  if (other != null) {
                    violations.add(delivery.requestId() + " held by " + name + " and " + other);
                  }
                  if (!completed.add(delivery.requestId())) {
                    violations.add(delivery.requestId() + " delivered again after it was done");
                  }
                  complete(queue, delivery);
                  holders.remove(delivery.requestId(), name);
                }
              }
              return null;
            });
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> completed.size() == rows.size() || !violations.isEmpty());
      running.set(false);
    }
    assertThat(violations).isEmpty();
    assertThat(completed).hasSize(rows.size());
  }

  @Test
  void a_request_held_by_a_consumer_that_dies_is_delivered_to_another() throws Exception {
    var row = requests.enqueue();
    var doomed = consumers.open(SHORT_LEASE);
    assertThat(takeAtLeast(doomed, 1, 10))
        .extracting(Delivery::requestId)
        .containsExactly(row.requestId());

    consumers.crash(doomed); // no done, no hand-back

    var survivor = consumers.open(LONG_LEASE);
    assertThat(takeAtLeast(survivor, 1, 10))
        .extracting(Delivery::requestId)
        .containsExactly(row.requestId());
  }

  @Test
  void an_empty_queue_returns_an_empty_list_within_the_wait() throws Exception {
    var queue = consumers.open(LONG_LEASE);
    var wait = Duration.ofMillis(300);

    long started = System.nanoTime();
    var delivered = queue.take(10, wait);
    var took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(delivered).isEmpty();
    assertThat(took).isLessThan(wait.plusSeconds(2));
  }

  /** What the engine does: settle the request in the database, then tell the queue. */
  private void complete(ChargeQueue queue, Delivery delivery) {
    requests.delete(delivery.requestId());
    queue.done(delivery);
  }

  /**
   * Takes until {@code n} deliveries arrived, checking that no take returned more than {@code max}.
   */
  private static List<Delivery> takeAtLeast(ChargeQueue queue, int n, int max) {
    var taken = new ArrayList<Delivery>();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              var batch = queue.take(max, Duration.ofMillis(100));
              assertThat(batch).hasSizeLessThanOrEqualTo(max);
              taken.addAll(batch);
              return taken.size() >= n;
            });
    return taken;
  }

  /** Opens consumers of one transport and cleans up after them. */
  private interface Consumers extends AutoCloseable {
    @Override
    void close() throws java.io.IOException;

    /** A consumer; {@code lease} is how long a PostgreSQL claim holds (RabbitMQ needs none). */
    ChargeQueue open(Duration lease);

    /** The consumer's process dies: nothing is acked or handed back. */
    void crash(ChargeQueue consumer);
  }

  private static final class PostgresConsumers implements Consumers {
    private final List<ChargeQueue> opened = new ArrayList<>();

    @Override
    public ChargeQueue open(Duration lease) {
      var queue =
          new PostgresChargeQueue(
              db.jdbi(), "consumer-" + UUID.randomUUID(), lease, Duration.ofMillis(20));
      opened.add(queue);
      return queue;
    }

    @Override
    public void crash(ChargeQueue consumer) {
      // A dead worker does nothing at all; its lease lapses.
    }

    @Override
    public void close() {
      opened.forEach(ChargeQueue::close);
    }
  }

  private static final class RabbitConsumers implements Consumers {
    private final RabbitBroker broker = new RabbitBroker();
    // A small prefetch, so that competing consumers both get work.
    private final AmqpSettings settings =
        broker.uniqueSettings(Map.of("CHARON_AMQP_PREFETCH", "4"));
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final OutboxRelay relay =
        new OutboxRelay(db.jdbi(), settings, "charon-test-relay", metrics).start();
    private final List<ChargeQueue> opened = new ArrayList<>();

    @Override
    public ChargeQueue open(Duration lease) {
      var queue =
          RabbitChargeQueue.start(settings, "charon-test-consumer-" + UUID.randomUUID(), metrics);
      opened.add(queue);
      return queue;
    }

    @Override
    public void crash(ChargeQueue consumer) {
      ConsumerProbe.crash((RabbitChargeQueue) consumer);
    }

    @Override
    public void close() throws java.io.IOException {
      opened.forEach(ChargeQueue::close);
      relay.close();
      broker.close();
    }
  }
}
