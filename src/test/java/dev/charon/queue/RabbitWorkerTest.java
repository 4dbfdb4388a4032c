package dev.charon.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.charging.ChargeEngine;
import dev.charon.charging.ChargeWorker;
import dev.charon.charging.ChargingSettings;
import dev.charon.charging.Intake;
import dev.charon.config.Env;
import dev.charon.payment.fake.FaultProfile;
import dev.charon.payment.fake.SimulatedPaymentProvider;
import dev.charon.testing.ChargeRequests;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Charge workers on the RabbitMQ transport, end to end with the real engine and the simulator. */
class RabbitWorkerTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();

  private final RabbitBroker broker = new RabbitBroker();
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private final AmqpSettings settings = broker.uniqueSettings(Map.of("CHARON_AMQP_PREFETCH", "16"));
  // 50 ms per call and 4 calls per worker: slow enough that the connection drop lands mid-run.
  private final SimulatedPaymentProvider provider =
      new SimulatedPaymentProvider(
          FaultProfile.builder().latency(50, 0).build(),
          Clock.systemUTC(),
          SimulatedPaymentProvider.Sleeper.REAL);
  private final List<AutoCloseable> started = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (var closeable : started.reversed()) {
      closeable.close();
    }
    broker.close();
  }

  private void startWorker(String name) {
    var charging = ChargingSettings.from(new Env(Map.of()));
    var engine =
        new ChargeEngine(
            db.jdbi(),
            provider,
            charging.policy(),
            charging.breaker(Clock.systemUTC()),
            Clock.systemUTC(),
            name,
            metrics);
    started.add(
        new ChargeWorker(
                Intake.queue(RabbitChargeQueue.start(settings, name, metrics), engine),
                engine,
                4,
                metrics)
            .start());
  }

  private long paid() {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select count(*) from invoice where status = 'PAID'")
                    .mapTo(Long.class)
                    .one());
  }

  @Test
  void two_workers_charge_every_invoice_exactly_once_although_one_loses_its_connection_midway()
      throws Exception {
    var rows = new ChargeRequests(db.jdbi()).enqueue(2_000);
    started.add(new OutboxRelay(db.jdbi(), settings, "charon-test-relay", metrics).start());
    var doomed = "charon-test-worker-" + UUID.randomUUID();
    startWorker(doomed);
    startWorker("charon-test-worker-" + UUID.randomUUID());

    await().atMost(Duration.ofSeconds(30)).until(() -> paid() >= 100);
    assertThat(broker.closeConnectionsNamed(doomed)).isEqualTo(1);
    assertThat(paid()).as("the drop came before the end of the run").isLessThan(rows.size());

    await().atMost(Duration.ofSeconds(60)).until(() -> paid() == rows.size());
    var chargesPerInvoice =
        provider.ledger().stream()
            .filter(SimulatedPaymentProvider.LedgerEntry::charged)
            .collect(Collectors.groupingBy(e -> e.request().invoiceId(), Collectors.counting()));
    assertThat(chargesPerInvoice).hasSize(rows.size());
    assertThat(chargesPerInvoice.values()).containsOnly(1L);
    await().atMost(Duration.ofSeconds(10)).until(() -> broker.ready(settings.queue()) == 0);
    long openRequests =
        db.jdbi()
            .withHandle(
                h -> h.createQuery("select count(*) from charge_request").mapTo(Long.class).one());
    assertThat(openRequests).isZero();
  }
}
