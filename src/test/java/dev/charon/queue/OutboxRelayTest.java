package dev.charon.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.testing.ChargeRequests;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class OutboxRelayTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();

  private final RabbitBroker broker = new RabbitBroker();
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private final String relayName = "charon-test-relay-" + UUID.randomUUID();
  private ChargeRequests requests;
  private OutboxRelay relay;

  @BeforeEach
  void emptyOutbox() {
    db.clean();
    requests = new ChargeRequests(db.jdbi());
  }

  @AfterEach
  void stop() throws Exception {
    if (relay != null) {
      relay.close();
    }
    broker.close();
  }

  private OutboxRelay startRelay(AmqpSettings settings) {
    relay = new OutboxRelay(db.jdbi(), settings, relayName, metrics).start();
    return relay;
  }

  private double counter(String name, String tag, String value) {
    var counter = metrics.find(name).tag(tag, value).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void invoices_the_table_intake_was_offered_get_their_request_when_the_relay_starts()
      throws Exception {
    var settings = broker.uniqueSettings(Map.of());
    // Offered on the invoice row only, as production leaves them on CHARON_QUEUE=postgres.
    var rows = requests.enqueue(2);
    rows.forEach(r -> requests.delete(r.requestId()));
    startRelay(settings);

    await().atMost(Duration.ofSeconds(10)).until(() -> requests.published() == 2);
    try (var channel = broker.admin().createChannel()) {
      var invoices = new ArrayList<Long>();
      for (int i = 0; i < 2; i++) {
        invoices.add(
            RabbitMessage.parse(channel.basicGet(settings.queue(), true).getBody()).invoiceId());
      }
      assertThat(invoices)
          .containsExactlyInAnyOrderElementsOf(
              rows.stream().map(ChargeRequests.Row::invoiceId).toList());
    }
  }

  @Test
  void
      each_pending_row_is_published_as_a_persistent_message_and_marked_published_after_its_confirm()
          throws Exception {
    var settings = broker.uniqueSettings(Map.of());
    var rows = requests.enqueue(3);
    startRelay(settings);

    await().atMost(Duration.ofSeconds(10)).until(() -> requests.unpublished() == 0);

    try (var channel = broker.admin().createChannel()) {
      var seen = new ArrayList<ChargeRequests.Row>();
      for (int i = 0; i < rows.size(); i++) {
        var got = channel.basicGet(settings.queue(), true);
        assertThat(got.getProps().getDeliveryMode()).isEqualTo(2);
        assertThat(got.getProps().getContentType()).isEqualTo("application/json");
        var message = RabbitMessage.parse(got.getBody());
        assertThat(got.getProps().getMessageId()).isEqualTo(Long.toString(message.requestId()));
        assertThat(new String(got.getBody(), java.nio.charset.StandardCharsets.UTF_8))
            .isEqualTo(
                "{\"requestId\":%d,\"invoiceId\":%d}", message.requestId(), message.invoiceId());
        seen.add(new ChargeRequests.Row(message.requestId(), message.invoiceId()));
      }
      assertThat(seen).containsExactlyElementsOf(rows);
      assertThat(channel.basicGet(settings.queue(), true)).isNull();
    }
    assertThat(counter("charon.relay.published", "kind", "new")).isEqualTo(3);
  }

  @Test
  void a_row_the_broker_nacks_stays_unpublished_and_is_published_once_the_broker_accepts_it()
      throws Exception {
    var settings = broker.uniqueSettings(Map.of());
    RabbitTopology.declare(broker.admin(), settings);
    // A queue over its length limit that rejects publishes makes the broker nack every message
    // (the filler puts it over the limit).
    broker.policy(settings.queue(), "{\"max-length\":0,\"overflow\":\"reject-publish\"}");
    try (var channel = broker.admin().createChannel()) {
      channel.confirmSelect();
      channel.basicPublish(settings.exchange(), settings.routingKey(), null, "filler".getBytes());
      assertThat(channel.waitForConfirms(5_000)).isTrue();
    }
    var row = requests.enqueue();
    startRelay(settings);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> counter("charon.relay.failed", "reason", "nacked") >= 1);
    assertThat(requests.unpublished()).isEqualTo(1);

    broker.clearPolicy(settings.queue());
    await().atMost(Duration.ofSeconds(20)).until(() -> requests.unpublished() == 0);
    try (var channel = broker.admin().createChannel()) {
      assertThat(new String(channel.basicGet(settings.queue(), true).getBody()))
          .isEqualTo("filler");
      var published = RabbitMessage.parse(channel.basicGet(settings.queue(), true).getBody());
      assertThat(published.requestId()).isEqualTo(row.requestId());
    }
  }

  @Test
  void a_row_whose_message_cannot_be_routed_stays_unpublished_until_it_can() throws Exception {
    var settings = broker.uniqueSettings(Map.of());
    startRelay(settings);
    try (var channel = broker.admin().createChannel()) {
      channel.queueUnbind(settings.queue(), settings.exchange(), settings.routingKey());
      requests.enqueue();

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> counter("charon.relay.failed", "reason", "returned") >= 1);
      assertThat(requests.unpublished()).isEqualTo(1);

      channel.queueBind(settings.queue(), settings.exchange(), settings.routingKey());
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> requests.unpublished() == 0);
    assertThat(broker.ready(settings.queue())).isEqualTo(1);
  }

  @Test
  void the_sweeper_republishes_rows_published_longer_ago_than_the_timeout_and_still_open()
      throws Exception {
    var settings = broker.uniqueSettings(Map.of("CHARON_RELAY_REPUBLISH_AFTER", "5m"));
    var lost = requests.enqueue();
    var recent = requests.enqueue();
    // Both were published; the first one's message was dead-lettered or lost ten minutes ago.
    requests.publishedMinutesAgo(lost.requestId(), 10);
    requests.publishedMinutesAgo(recent.requestId(), 1);
    var recentPublishedAt = requests.publishedAt(recent.requestId());
    startRelay(settings);

    await().atMost(Duration.ofSeconds(10)).until(() -> broker.ready(settings.queue()) == 1);
    assertThat(broker.drain(settings.queue()))
        .extracting(RabbitMessage::requestId)
        .containsExactly(lost.requestId());
    assertThat(requests.publishedAt(lost.requestId()))
        .isAfter(java.time.OffsetDateTime.now().minusMinutes(1));
    assertThat(requests.publishedAt(recent.requestId())).isEqualTo(recentPublishedAt);
    assertThat(counter("charon.relay.published", "kind", "republish")).isEqualTo(1);
  }

  @Test
  void a_message_consumed_without_its_row_being_settled_is_republished_after_the_timeout()
      throws Exception {
    var settings = broker.uniqueSettings(Map.of("CHARON_RELAY_REPUBLISH_AFTER", "1s"));
    var row = requests.enqueue();
    startRelay(settings);
    await().atMost(Duration.ofSeconds(10)).until(() -> broker.ready(settings.queue()) == 1);
    assertThat(broker.drain(settings.queue()))
        .extracting(RabbitMessage::requestId)
        .containsExactly(row.requestId());

    await().atMost(Duration.ofSeconds(10)).until(() -> broker.ready(settings.queue()) >= 1);
    assertThat(broker.drain(settings.queue()))
        .extracting(RabbitMessage::requestId)
        .containsOnly(row.requestId());
  }

  @Test
  void the_relay_survives_broker_side_connection_drops_and_every_row_is_published_at_least_once()
      throws Exception {
    var settings = broker.uniqueSettings(Map.of("CHARON_RELAY_BATCH", "200"));
    startRelay(settings);
    var rows = new ArrayList<ChargeRequests.Row>(requests.enqueue(1_000));
    await().atMost(Duration.ofSeconds(20)).until(() -> requests.unpublished() == 0);

    // Dropped while idle, then rows arrive while the client is reconnecting.
    assertThat(broker.closeConnectionsNamed(relayName)).isEqualTo(1);
    rows.addAll(requests.enqueue(1_000));
    await().atMost(Duration.ofSeconds(30)).until(() -> requests.unpublished() == 0);

    // Dropped again while rows keep arriving and being published (rabbitmqctl takes a while to
    // start, so rows are added until it has done its work).
    var drop = CompletableFuture.supplyAsync(this::closeRelayConnection);
    while (!drop.isDone() && rows.size() < 20_000) {
      rows.addAll(requests.enqueue(100));
    }
    assertThat(drop.join()).isEqualTo(1);
    rows.addAll(requests.enqueue(1_000));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                requests.unpublished() == 0
                    && metrics.get("charon.relay.recoveries").counter().count() >= 2);

    List<RabbitMessage> messages = broker.drain(settings.queue());
    var delivered = messages.stream().map(RabbitMessage::requestId).collect(Collectors.toSet());
    assertThat(delivered).containsAll(rows.stream().map(ChargeRequests.Row::requestId).toList());
    assertThat(messages).hasSizeGreaterThanOrEqualTo(rows.size());
  }

  private int closeRelayConnection() {
    try {
      return broker.closeConnectionsNamed(relayName);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
