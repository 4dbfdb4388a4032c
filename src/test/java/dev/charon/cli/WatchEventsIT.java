package dev.charon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.ConnectionFactory;
import dev.charon.api.Json;
import dev.charon.config.Env;
import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.queue.AmqpSettings;
import dev.charon.queue.EventRelay;
import dev.charon.testing.CharonProcess;
import dev.charon.testing.Fixtures;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code charon watch-events} as a new user runs it: a queue bound to the events exchange. */
class WatchEventsIT {
  @RegisterExtension static final TestDatabase db = new TestDatabase();

  @Test
  void it_prints_the_cloudevents_its_binding_selects_and_exits_after_count() throws Exception {
    var exchange = "charon.events.it." + UUID.randomUUID().toString().substring(0, 8);
    var fixtures = new Fixtures(db.jdbi());
    try (var watcher =
        CharonProcess.start(
            Map.of(),
            "watch-events",
            "--exchange",
            exchange,
            "--binding",
            "invoice.#",
            "--count",
            "2",
            "--timeout",
            "60")) {
      await()
          .atMost(Duration.ofSeconds(60))
          .failFast(() -> !watcher.isAlive())
          .until(() -> watcher.output().contains("watching " + exchange));
      db.jdbi()
          .useHandle(
              h ->
                  h.execute(
                      "insert into billing_run (period, cutoff, started_by, started_at) values ('2026-11', '2026-11-01', 'test', now())"));
      long paid = fixtures.invoice().create();
      long voided = fixtures.invoice().status(InvoiceStatus.ACTION_REQUIRED).create();
      db.jdbi()
          .useHandle(
              h -> {
                h.execute(
                    "update invoice set status = 'PAID', paid_at = now(), status_reason = 'charged' where id = ?",
                    paid);
                h.execute(
                    "update invoice set status = 'VOID', status_reason = 'void: test' where id = ?",
                    voided);
              });
      var amqp = AmqpSettings.from(new Env(Map.of()));
      try (var relay =
          new EventRelay(
                  db.jdbi(),
                  amqp,
                  exchange,
                  "watch-it-" + UUID.randomUUID(),
                  Json.mapper(),
                  new SimpleMeterRegistry())
              .start()) {
        assertThat(watcher.waitFor(60)).as(watcher.output()).isZero();
      }
      var json = new ObjectMapper();
      var lines = watcher.output().lines().filter(line -> line.startsWith("{")).toList();
      assertThat(lines).hasSize(2);
      assertThat(lines)
          .map(line -> json.readTree(line).get("type").asText())
          .containsExactly("invoice.paid", "invoice.voided");
      assertThat(json.readTree(lines.getFirst()).get("specversion").asText()).isEqualTo("1.0");
      assertThat(watcher.output()).doesNotContain("billing_run.started");
    } finally {
      var factory = new ConnectionFactory();
      factory.setUri(AmqpSettings.from(new Env(Map.of())).url());
      try (var admin = factory.newConnection();
          var channel = admin.createChannel()) {
        channel.exchangeDelete(exchange);
      }
    }
  }
}
