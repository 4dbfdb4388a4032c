package dev.charon.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.app.WorkerRole;
import dev.charon.billing.BillingRuns;
import dev.charon.charging.ChargingSettings;
import dev.charon.config.DatabaseSettings;
import dev.charon.config.Env;
import dev.charon.db.Database;
import dev.charon.payment.PaymentProviders;
import dev.charon.payment.PaymentSettings;
import dev.charon.queue.QueueSettings;
import dev.charon.seed.Seeder;
import dev.charon.testing.CharonProcess;
import dev.charon.testing.GatewayProcess;
import dev.charon.testing.Http;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 3's proof: the 100 demo invoices charged through the real gateway process with 5% declines,
 * 2% network errors and 2% timeouts; then {@code charon audit} reports zero differences, and it
 * does not once the ledger or the database is corrupted on purpose.
 */
class GatewayChargingIT {
  @RegisterExtension static final TestDatabase db = new TestDatabase();

  @Test
  void demo_invoices_charged_through_a_faulty_gateway_reconcile_and_corruption_is_caught()
      throws Exception {
    var clock = Clock.systemUTC();
    try (var gateway =
            GatewayProcess.start(
                "--decline-rate",
                "0.05",
                "--network-error-rate",
                "0.02",
                "--timeout-rate",
                "0.02",
                "--seed",
                "7");
        var database =
            Database.open(
                new DatabaseSettings(
                    Optional.of(db.jdbcUrl()),
                    TestDatabase.USER,
                    TestDatabase.PASSWORD,
                    8,
                    Path.of("-")),
                "it")) {
      new Seeder(database.jdbi(), clock).seed(100, 10, 0.2);
      var env =
          new Env(
              Map.of(
                  "CHARON_GATEWAY_URL", gateway.url(),
                  "CHARON_GATEWAY_TIMEOUT", "2s",
                  "CHARON_RETRY_BASE", "200ms",
                  "CHARON_RECONCILE_BASE", "200ms",
                  "CHARON_RECONCILE_MAX", "1s"));
      var runs =
          new BillingRuns(database.jdbi(), clock, ZoneOffset.UTC, 25, new SimpleMeterRegistry());
      var run = runs.produce(runs.startOrJoin(YearMonth.now(clock), "test").run());
      assertThat(run.enqueued()).isEqualTo(100);

      var worker =
          WorkerRole.start(
              database,
              QueueSettings.from(env),
              ChargingSettings.from(env).withConcurrency(8),
              PaymentProviders.create(PaymentSettings.from(env), clock, new SimpleMeterRegistry()),
              clock,
              new SimpleMeterRegistry());
      try {
        // Network errors come back as retries due within a second; the retry task re-enqueues them.
        await()
            .atMost(Duration.ofSeconds(120))
            .pollInterval(Duration.ofMillis(300))
            .until(
                () -> {
                  runs.enqueueRetries();
                  return count(
                          database,
                          "status = 'PROCESSING' or (status = 'RETRY_SCHEDULED' and last_failure like 'provider unavailable%')")
                      == 0;
                });
      } finally {
        worker.drain(Duration.ofSeconds(10));
        worker.close();
      }
      assertThat(runs.finishIfDone(run.id())).isTrue();
      assertThat(count(database, "billing_run_id is not null and status = 'PAID'"))
          .isGreaterThan(80);
      assertThat(
              count(
                  database,
                  "billing_run_id is not null and status not in ('PAID') and last_failure is null"))
          .isZero();
      assertThat(count(database, "status = 'RETRY_SCHEDULED' and next_attempt_at is null"))
          .isZero();

      var audit = CharonProcess.start(processEnv(), "audit", "--gateway-url", gateway.url());
      assertThat(audit.waitFor(120)).as(audit.output()).isZero();
      assertThat(audit.output()).contains("everything reconciles");

      var auditor = new Auditor(database.jdbi(), URI.create(gateway.url() + "/"));
      assertThat(auditor.run().reconciles()).isTrue();

      // Corrupt the database: a paid amount that the provider never charged.
      long paid =
          database
              .jdbi()
              .withHandle(
                  h ->
                      h.createQuery(
                              "select i.id from invoice i join charge_attempt a on a.invoice_id = i.id and a.outcome = 'CHARGED' order by i.id limit 1")
                          .mapTo(Long.class)
                          .one());
      database
          .jdbi()
          .useHandle(
              h ->
                  h.execute(
                      "update invoice set amount_minor = amount_minor + 1 where id = ?", paid));
      var corruptedDb = auditor.run();
      assertThat(corruptedDb.reconciles()).isFalse();
      assertThat(corruptedDb.checks()).anySatisfy(c -> assertThat(c.examples()).contains(paid));
      database
          .jdbi()
          .useHandle(
              h ->
                  h.execute(
                      "update invoice set amount_minor = amount_minor - 1 where id = ?", paid));
      assertThat(auditor.run().reconciles()).isTrue();

      // Corrupt the ledger: a second charge of a paid invoice under a fresh key.
      var invoice =
          database
              .jdbi()
              .withHandle(
                  h ->
                      h.createQuery(
                              "select customer_id, amount_minor, currency from invoice where id = :id")
                          .bind("id", paid)
                          .mapToMap()
                          .one());
      var body =
          "{\"invoiceId\":%d,\"customerId\":%d,\"amountMinor\":%d,\"currency\":\"%s\"}"
              .formatted(
                  paid,
                  invoice.get("customer_id"),
                  invoice.get("amount_minor"),
                  invoice.get("currency"));
      int status = -1;
      for (int i = 0;
          i < 20 && status != 201;
          i++) { // the gateway's own faults may answer 402/503 first
        status =
            new Http(gateway.url())
                .send(
                    HttpRequest.newBuilder(URI.create(gateway.url() + "/charges"))
                        .header("Idempotency-Key", "audit-corruption-" + i)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)))
                .status();
      }
      assertThat(status).isEqualTo(201);
      var corruptedLedger = auditor.run();
      assertThat(corruptedLedger.reconciles()).isFalse();
      assertThat(corruptedLedger.checks().getFirst().examples()).containsExactly(paid);

      var failing = CharonProcess.start(processEnv(), "audit", "--gateway-url", gateway.url());
      assertThat(failing.waitFor(120)).as(failing.output()).isEqualTo(1);
      assertThat(failing.output()).contains("DIFFERENCES FOUND");
    }
  }

  private static Map<String, String> processEnv() {
    return new HashMap<>(db.processEnv());
  }

  private static long count(Database database, String where) {
    return database
        .jdbi()
        .withHandle(
            h ->
                h.createQuery("select count(*) from invoice where " + where)
                    .mapTo(Long.class)
                    .one());
  }
}
