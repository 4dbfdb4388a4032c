package dev.charon.refund;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.HttpPaymentProvider;
import dev.charon.refund.domain.Refund;
import dev.charon.testing.CharonProcess;
import dev.charon.testing.Fixtures;
import dev.charon.testing.GatewayProcess;
import dev.charon.testing.Http;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A worker process SIGKILLed after the gateway made a refund and before the worker's record
 * committed, on both transports: another worker sends the same key, the gateway replays, and there
 * is exactly one refund at the gateway and one in Charon. The record is held back by a lock the
 * test takes on the invoice row, so the kill lands between the two every time.
 */
class RefundKillIT {
  @org.junit.jupiter.api.extension.RegisterExtension
  static final TestDatabase db = new TestDatabase();

  @BeforeEach
  void clean() {
    db.clean();
  }

  @ParameterizedTest
  @ValueSource(strings = {"postgres", "rabbitmq"})
  void a_worker_killed_between_the_gateways_refund_and_its_record_refunds_once(String transport)
      throws Exception {
    try (var gateway = GatewayProcess.start();
        var provider =
            new HttpPaymentProvider(
                URI.create(gateway.url() + "/"), Duration.ofSeconds(2), Duration.ofSeconds(5))) {
      long invoice = new Fixtures(db.jdbi()).paidAt(provider, 50_00);
      var refunds = new Refunds(db.jdbi(), new SimpleMeterRegistry());
      Refund refund =
          db.jdbi()
              .inTransaction(
                  h ->
                      refunds.request(
                          h,
                          invoice,
                          Optional.of(Money.ofMinor(20_00, Currency.EUR)),
                          "kill test",
                          "api-key:ops"));
      var env = env(gateway, transport);
      var gatewayApi = new Http(gateway.url());
      try (Handle blocker = db.jdbi().open()) {
        blocker.begin();
        blocker.execute("select id from invoice where id = ? for update", invoice);
        try (var first = CharonProcess.start(env, "worker", "--concurrency", "2")) {
          // The gateway has made the refund; the worker's record waits on the invoice's lock.
          await()
              .atMost(Duration.ofSeconds(60))
              .pollInterval(Duration.ofMillis(100))
              .until(() -> refundsAtGateway(gatewayApi, invoice) == 1);
          // ... and its transaction is waiting on the test's lock, so the kill lands in between.
          await()
              .atMost(Duration.ofSeconds(30))
              .until(
                  () ->
                      count(
                              "select count(*) from pg_stat_activity where datname = current_database()"
                                  + " and cardinality(pg_blocking_pids(pid)) > 0")
                          > 0);
          assertThat(status(refund.id())).isEqualTo("UNKNOWN");
          first.kill();
          first.waitFor(10);
        }
        blocker.rollback();
      }
      assertThat(status(refund.id())).as("nothing was recorded").isEqualTo("UNKNOWN");

      try (var second = CharonProcess.start(env, "worker", "--concurrency", "2")) {
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> "SUCCEEDED".equals(status(refund.id())));
      }
      assertThat(refundsAtGateway(gatewayApi, invoice))
          .as("one refund at the gateway")
          .isEqualTo(1);
      assertThat(count("select count(*) from refund where invoice_id = " + invoice)).isEqualTo(1);
      assertThat(count("select calls from refund where id = " + refund.id()))
          .isGreaterThanOrEqualTo(2);
      assertThat(count("select refunded_minor from invoice where id = " + invoice))
          .isEqualTo(20_00);
      assertThat(count("select count(*) from credit_note where refund_id = " + refund.id()))
          .isEqualTo(1);
    }
  }

  private static Map<String, String> env(GatewayProcess gateway, String transport) {
    var env =
        db.processEnv(
            "CHARON_GATEWAY_URL",
            gateway.url(),
            "CHARON_QUEUE",
            transport,
            "CHARON_DB_POOL_SIZE",
            "8",
            "CHARON_LEASE",
            "3s");
    if (transport.equals("rabbitmq")) {
      var id = java.util.UUID.randomUUID().toString().substring(0, 8);
      env.put("CHARON_AMQP_EXCHANGE", "charon.test." + id);
      env.put("CHARON_AMQP_QUEUE", "charon.test." + id);
    }
    return env;
  }

  private static long refundsAtGateway(Http gateway, long invoice) {
    var answer = gateway.get("/refunds?invoiceId=" + invoice);
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    long n = 0;
    for (var r : answer.json()) {
      if ("refunded".equals(r.path("outcome").asText())) {
        n++;
      }
    }
    return n;
  }

  private static String status(long refundId) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select status from refund where id = :id")
                    .bind("id", refundId)
                    .mapTo(String.class)
                    .one());
  }

  private static long count(String sql) {
    return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
  }
}
