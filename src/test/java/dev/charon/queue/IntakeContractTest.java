package dev.charon.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.charging.ChargeEngine;
import dev.charon.charging.ChargeStore;
import dev.charon.charging.ChargingSettings;
import dev.charon.charging.Delivery;
import dev.charon.charging.Intake;
import dev.charon.queue.QueueSettings.Transport;
import dev.charon.testing.ChargeFixtures;
import dev.charon.testing.ChargeRequests;
import dev.charon.testing.ScriptedProvider;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
 * What every intake promises the charge worker, run against each transport setting through the
 * classes production runs: the table intake (claims with leases, opening in the same transaction)
 * and the queue intake (the outbox relay plus a RabbitMQ consumer per queue, on a queue of its own,
 * opening in a transaction of its own). Every delivery arrives with its attempt open.
 */
@ParameterizedClass
@EnumSource(Transport.class)
class IntakeContractTest {
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
    // Not a switch: one on an enum compiles to a synthetic IntakeContractTest$1, which the
    // -Dtest=IntakeContract* pattern would pick up as a test class.
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

    var taken = new ArrayList<Intake.Taken>();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              var batch = queue.take(10, Duration.ofMillis(100));
              if (!batch.deliveries().isEmpty()) {
                taken.add(batch);
              }
              return !taken.isEmpty();
            });

    assertThat(taken.getFirst().deliveries())
        .extracting(Delivery::requestId, Delivery::invoiceId)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(row.requestId(), row.invoiceId()));
    assertThat(taken.getFirst().opened().attempts())
        .extracting(ChargeStore.OpenAttempt::invoiceId)
        .containsExactly(row.invoiceId());
    long unknown =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "select count(*) from charge_attempt where invoice_id = :id and outcome = 'UNKNOWN'")
                        .bind("id", row.invoiceId())
                        .mapTo(Long.class)
                        .one());
    assertThat(unknown).isEqualTo(1L);
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
              var batch = queue.take(2, Duration.ofMillis(100)).deliveries();
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

    assertThat(queue.take(10, Duration.ofSeconds(1)).deliveries()).isEmpty();
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
                for (var delivery : queue.take(8, Duration.ofMillis(100)).deliveries()) {
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
    var delivered = queue.take(10, wait).deliveries();
    var took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(delivered).isEmpty();
    assertThat(took).isLessThan(wait.plusSeconds(2));
  }

  /** What the engine does: settle the request in the database, then tell the queue. */
  private void complete(Intake queue, Delivery delivery) {
    requests.delete(delivery.requestId());
    queue.done(delivery);
  }

  /**
   * Takes until {@code n} deliveries arrived, checking that no take returned more than {@code max}.
   */
  private static List<Delivery> takeAtLeast(Intake queue, int n, int max) {
    var taken = new ArrayList<Delivery>();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              var batch = queue.take(max, Duration.ofMillis(100)).deliveries();
              assertThat(batch).hasSizeLessThanOrEqualTo(max);
              taken.addAll(batch);
              return taken.size() >= n;
            });
    return taken;
  }

  /** The engine whose open both intakes run, as a worker's. */
  private static ChargeEngine engine(String worker, SimpleMeterRegistry metrics) {
    var clock = Clock.systemUTC();
    return new ChargeEngine(
        db.jdbi(),
        new ScriptedProvider(),
        ChargeFixtures.policy(),
        ChargeFixtures.breaker(clock),
        clock,
        worker,
        metrics);
  }

  /** Opens consumers of one transport and cleans up after them. */
  private interface Consumers extends AutoCloseable {
    @Override
    void close() throws java.io.IOException;

    /** A consumer; {@code lease} is how long a PostgreSQL claim holds (RabbitMQ needs none). */
    Intake open(Duration lease);

    /** The consumer's process dies: nothing is acked or handed back. */
    void crash(Intake consumer);
  }

  private static final class PostgresConsumers implements Consumers {
    private final List<Intake> opened = new ArrayList<>();

    @Override
    public Intake open(Duration lease) {
      var name = "consumer-" + UUID.randomUUID();
      var intake =
          Intake.table(
              db.jdbi(),
              engine(name, new SimpleMeterRegistry()),
              name,
              lease,
              ChargingSettings.CLAIM_POLL);
      opened.add(intake);
      return intake;
    }

    @Override
    public void crash(Intake consumer) {
      // A dead worker does nothing at all; its lease lapses.
    }

    @Override
    public void close() {
      opened.forEach(Intake::close);
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
    private final List<Intake> opened = new ArrayList<>();
    private final Map<Intake, RabbitChargeQueue> transports = new HashMap<>();

    @Override
    public Intake open(Duration lease) {
      var name = "charon-test-consumer-" + UUID.randomUUID();
      var transport = RabbitChargeQueue.start(settings, name, metrics);
      var intake = Intake.queue(transport, engine(name, metrics));
      opened.add(intake);
      transports.put(intake, transport);
      return intake;
    }

    @Override
    public void crash(Intake consumer) {
      ConsumerProbe.crash(transports.get(consumer));
    }

    @Override
    public void close() throws java.io.IOException {
      opened.forEach(Intake::close);
      relay.close();
      broker.close();
    }
  }
}
