package dev.charon.refund;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.app.WorkerRole;
import dev.charon.billing.BillingRuns;
import dev.charon.charging.ChargingSettings;
import dev.charon.charging.domain.Backoff;
import dev.charon.config.DatabaseSettings;
import dev.charon.config.Env;
import dev.charon.db.Database;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.HttpPaymentProvider;
import dev.charon.payment.PaymentProviders;
import dev.charon.payment.PaymentSettings;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.payment.domain.RefundRequest;
import dev.charon.queue.QueueSettings;
import dev.charon.refund.domain.RefundPolicy;
import dev.charon.testing.Fixtures;
import dev.charon.testing.GatewayProcess;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Refunds against the real gateway process: ten concurrent refunds of 30% each of one charged
 * invoice, sent by two executors, never refund more than was paid, in Charon and at the provider.
 */
class GatewayRefundIT {
  @RegisterExtension static final TestDatabase db = new TestDatabase();

  @Test
  void ten_concurrent_thirty_percent_refunds_never_refund_more_than_paid_here_or_at_the_gateway()
      throws Exception {
    var clock = Clock.systemUTC();
    try (var gateway = GatewayProcess.start();
        var database =
            Database.open(
                new DatabaseSettings(
                    Optional.of(db.jdbcUrl()),
                    TestDatabase.USER,
                    TestDatabase.PASSWORD,
                    8,
                    Path.of("-")),
                "it");
        var provider =
            new HttpPaymentProvider(
                URI.create(gateway.url() + "/"), Duration.ofSeconds(2), Duration.ofSeconds(5))) {
      long invoice =
          new Fixtures(database.jdbi())
              .invoice()
              .amount(100_00)
              .in(Currency.EUR)
              .period(YearMonth.now(clock))
              .create();
      var env = new Env(Map.of("CHARON_GATEWAY_URL", gateway.url()));
      var runs =
          new BillingRuns(database.jdbi(), clock, ZoneOffset.UTC, 25, new SimpleMeterRegistry());
      runs.produce(runs.startOrJoin(YearMonth.now(clock), "test").run());
      var worker =
          WorkerRole.start(
              database,
              QueueSettings.from(env),
              ChargingSettings.from(env).withConcurrency(2),
              PaymentProviders.create(PaymentSettings.from(env), clock, new SimpleMeterRegistry()),
              clock,
              new SimpleMeterRegistry());
      try {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> "PAID".equals(status(database, invoice)));
      } finally {
        worker.drain(Duration.ofSeconds(5));
        worker.close();
      }

      try (var api = TestApi.start(database.jdbi(), clock)) {
        var barrier = new CyclicBarrier(10);
        var requests = new ArrayList<Callable<Integer>>();
        for (int i = 0; i < 10; i++) {
          requests.add(
              () -> {
                barrier.await();
                return api.operator()
                    .post(
                        "/rest/v1/invoices/" + invoice + "/refunds",
                        "{\"amount\":{\"value\":\"30.00\",\"currency\":\"EUR\"},\"reason\":\"race\"}")
                    .status();
              });
        }
        var statuses = new ArrayList<Integer>();
        try (var pool = Executors.newFixedThreadPool(10)) {
          for (var f : pool.invokeAll(requests)) {
            statuses.add(f.get());
          }
        }
        assertThat(statuses).filteredOn(s -> s == 201).hasSize(3);
        assertThat(statuses).filteredOn(s -> s == 422).hasSize(7);
      }

      // Two executors (two workers) race for the three refunds.
      var policy =
          new RefundPolicy(
              new Backoff(Duration.ofMillis(100), Duration.ofMillis(500)),
              new Backoff(Duration.ofMillis(100), Duration.ofMillis(500)));
      var metrics = new SimpleMeterRegistry();
      try (var one =
              RefundExecutor.create(
                      database.jdbi(),
                      provider,
                      policy,
                      clock,
                      "executor-1",
                      Duration.ofSeconds(30),
                      Duration.ofMillis(20),
                      16,
                      metrics)
                  .start();
          var two =
              RefundExecutor.create(
                      database.jdbi(),
                      provider,
                      policy,
                      clock,
                      "executor-2",
                      Duration.ofSeconds(30),
                      Duration.ofMillis(20),
                      16,
                      metrics)
                  .start()) {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    count(database, "select count(*) from refund where status = 'SUCCEEDED'") == 3);
      }

      assertThat(count(database, "select refunded_minor from invoice where id = " + invoice))
          .isEqualTo(90_00);
      assertThat(status(database, invoice)).isEqualTo("PARTIALLY_REFUNDED");
      assertThat(count(database, "select count(distinct provider_reference) from refund"))
          .isEqualTo(3);
      assertThat(count(database, "select count(*) from credit_note where kind = 'REFUND'"))
          .isEqualTo(3);
      assertThat(metrics.counter("charon.refunds", "outcome", "refunded").count()).isEqualTo(3);

      // At the provider exactly 90.00 of the charge went back: 10.01 more is refused as an
      // over-refund, 10.00 is what remains.
      var charge =
          database
              .jdbi()
              .withHandle(
                  h ->
                      h.createQuery(
                              "select provider_reference from charge_attempt where outcome = 'CHARGED' and invoice_id = :i")
                          .bind("i", invoice)
                          .mapTo(String.class)
                          .one());
      var over =
          provider.refund(
              new RefundRequest(
                  invoice,
                  charge,
                  Money.ofMinor(10_01, Currency.EUR),
                  "it-over-" + invoice,
                  "probe"));
      assertThat(over)
          .isInstanceOfSatisfying(
              RefundOutcome.Refused.class,
              r -> assertThat(r.code()).isEqualTo(RefundOutcome.Refused.OVER_REFUND));
      var rest =
          provider.refund(
              new RefundRequest(
                  invoice,
                  charge,
                  Money.ofMinor(10_00, Currency.EUR),
                  "it-rest-" + invoice,
                  "probe"));
      assertThat(rest).isInstanceOf(RefundOutcome.Refunded.class);
    }
  }

  private static String status(Database database, long invoice) {
    return database
        .jdbi()
        .withHandle(
            h ->
                h.createQuery("select status from invoice where id = :i")
                    .bind("i", invoice)
                    .mapTo(String.class)
                    .one());
  }

  private static long count(Database database, String sql) {
    return database.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
  }
}
