package dev.charon.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.charon.testing.CharonProcess;
import dev.charon.testing.TestDatabase;
import dev.charon.webhooks.Endpoints;
import dev.charon.webhooks.SecretBox;
import dev.charon.webhooks.WebhookSecret;
import dev.charon.webhooks.WebhookVerifier;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Webhooks under fire (issue 14): two real {@code server} processes deliver to a receiver that
 * fails 30% of calls, while events keep committing and the servers are killed with SIGKILL in the
 * middle of deliveries (a kill counts only if leased attempts were in flight at that moment) and
 * started again (the victim is always a server holding the lease of an attempt in flight).
 * Afterwards every event must have reached the receiver with a valid signature: events lost = 0.
 * Writes its result row to {@code target/chaos/webhooks.md} (or {@code
 * CHARON_CHAOS_WEBHOOK_REPORT}) before asserting. Size: {@code CHARON_CHAOS_WEBHOOK_EVENTS}
 * (default 200, more while kills are still to come) and {@code CHARON_CHAOS_WEBHOOK_KILLS} (default
 * 2, CI-sized).
 */
@Tag("chaos")
class WebhookChaosIT {
  @RegisterExtension static final TestDatabase db = new TestDatabase();

  static int setting(String name, int fallback) {
    var value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : Integer.parseInt(value.trim());
  }

  private static void awaitDelivering(CharonProcess server) {
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> server.output().contains("webhook dispatcher") || !server.isAlive());
    assertThat(server.isAlive()).as("server started: " + server.output()).isTrue();
  }

  @Test
  void servers_killed_while_delivering_lose_no_webhook() throws Exception {
    int events = setting("CHARON_CHAOS_WEBHOOK_EVENTS", 200);
    int kills = setting("CHARON_CHAOS_WEBHOOK_KILLS", 2);
    var key = new byte[32];
    new SecureRandom().nextBytes(key);
    var secret = WebhookSecret.generate();
    var verifier = new WebhookVerifier(secret.reveal());
    var received = new ConcurrentHashMap<String, AtomicInteger>();
    var badSignatures = new AtomicInteger();
    var calls = new AtomicInteger();
    var random = new Random(14);
    var receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    receiver.createContext(
        "/",
        exchange -> {
          try (exchange) {
            var body = exchange.getRequestBody().readAllBytes();
            var h = exchange.getRequestHeaders();
            calls.incrementAndGet();
            try {
              Thread.sleep(30); // a receiver that takes a moment, so kills meet attempts in flight
              verifier.verify(
                  h.getFirst("webhook-id"),
                  h.getFirst("webhook-timestamp"),
                  h.getFirst("webhook-signature"),
                  body);
            } catch (WebhookVerifier.Invalid e) {
              badSignatures.incrementAndGet();
              exchange.sendResponseHeaders(401, -1);
              return;
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            boolean fail;
            synchronized (random) {
              fail = random.nextDouble() < 0.3;
            }
            if (!fail) {
              received
                  .computeIfAbsent(h.getFirst("webhook-id"), id -> new AtomicInteger())
                  .incrementAndGet();
            }
            exchange.sendResponseHeaders(fail ? 500 : 204, -1);
          }
        });
    receiver.start();
    var url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks";
    db.jdbi()
        .useTransaction(
            h ->
                Endpoints.create(
                    h,
                    url,
                    "chaos",
                    List.of(),
                    new SecretBox(key).seal(secret),
                    "chaos",
                    Clock.systemUTC().instant()));

    var env =
        db.processEnv(
            "CHARON_WEBHOOKS_KEY",
            Base64.getEncoder().encodeToString(key),
            "CHARON_WEBHOOKS_ALLOW_PRIVATE",
            "true",
            "CHARON_WEBHOOKS_POLL_INTERVAL",
            "100ms",
            "CHARON_WEBHOOKS_RETRY_SCHEDULE",
            "1s,1s,2s,2s,3s,3s,5s,5s,5s",
            "CHARON_WEBHOOKS_LEASE",
            "20s",
            "CHARON_HTTP_PORT",
            "0");
    var servers =
        new ArrayList<CharonProcess>(
            List.of(CharonProcess.start(env, "server"), CharonProcess.start(env, "server")));
    var eventIds = java.util.Collections.synchronizedList(new ArrayList<String>());
    var killsDone = new java.util.concurrent.atomic.AtomicBoolean();
    int struck = 0;
    long started = System.nanoTime();
    try {
      for (var server : servers) {
        awaitDelivering(server);
      }
      // Events keep committing until every kill has struck, so each kill meets live traffic.
      var writer =
          Thread.ofVirtual()
              .start(
                  () -> {
                    while (eventIds.size() < events || !killsDone.get()) {
                      eventIds.add(
                          db.jdbi()
                              .withHandle(
                                  h ->
                                      h.createQuery(
                                              "insert into event_outbox (type, subject, data) values ('invoice.paid', 'invoices/' || :n, jsonb_build_object('n', :n)) "
                                                  + "returning event_id::text")
                                          .bind("n", eventIds.size())
                                          .mapTo(String.class)
                                          .one()));
                      try {
                        Thread.sleep(40);
                      } catch (InterruptedException e) {
                        return;
                      }
                    }
                  });
      for (int k = 0; k < kills; k++) {
        Thread.sleep(1000);
        // The victim is a server holding the lease of an attempt in flight right now.
        CharonProcess victim = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (victim == null && System.nanoTime() < deadline) {
          var owners =
              db.jdbi()
                  .withHandle(
                      h ->
                          h.createQuery(
                                  "select distinct lease_owner from webhook_delivery where state = 'PENDING' and lease_until > now() and lease_owner is not null")
                              .mapTo(String.class)
                              .list());
          for (var server : servers) {
            if (owners.stream().anyMatch(o -> o.endsWith("-" + server.pid()))) {
              victim = server;
            }
          }
          if (victim == null) {
            Thread.sleep(10);
          }
        }
        if (victim != null) {
          struck++;
        } else {
          victim = servers.getFirst();
        }
        servers.remove(victim);
        victim.kill();
        var replacement =
            CharonProcess.start(env, "server"); // as an orchestrator replaces a dead pod
        servers.add(replacement);
        awaitDelivering(replacement);
      }
      killsDone.set(true);
      writer.join();
      await()
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> eventIds.stream().allMatch(received::containsKey));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      // reported below with the real figures
    } finally {
      servers.forEach(CharonProcess::close);
      receiver.stop(0);
    }
    var lost = eventIds.stream().filter(id -> !received.containsKey(id)).count();
    var duplicates =
        received.values().stream().mapToInt(AtomicInteger::get).filter(n -> n > 1).count();
    var failed =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery("select count(*) from webhook_delivery where state = 'FAILED'")
                        .mapTo(Long.class)
                        .one());
    var row =
        String.format(
            "| W1 SIGKILL servers while delivering webhooks | %d | %d of %d | %d | %d | %d | %d | %d | %.0f s |%n",
            eventIds.size(),
            struck,
            kills,
            lost,
            duplicates,
            failed,
            badSignatures.get(),
            calls.get(),
            (System.nanoTime() - started) / 1e9);
    var report =
        Path.of(
            System.getenv()
                .getOrDefault("CHARON_CHAOS_WEBHOOK_REPORT", "target/chaos/webhooks.md"));
    Files.createDirectories(report.toAbsolutePath().getParent());
    if (!Files.exists(report)) {
      Files.writeString(
          report,
          "| scenario | events | kills mid-delivery | events lost | delivered more than once | failed | bad signatures | calls | time |\n"
              + "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    }
    Files.writeString(report, row, StandardOpenOption.APPEND);
    System.out.print(row);

    assertThat(eventIds).hasSizeGreaterThanOrEqualTo(events);
    assertThat(lost).as("events lost").isZero();
    assertThat(badSignatures.get()).as("deliveries with a bad signature").isZero();
    assertThat(struck).as("kills that met deliveries in flight").isEqualTo(kills);
  }
}
