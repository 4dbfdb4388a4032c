package dev.charon.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.stripe.model.Charge;
import dev.charon.billing.BillingRuns;
import dev.charon.config.DatabaseSettings;
import dev.charon.db.Database;
import dev.charon.payment.stripe.StripePaymentProvider;
import dev.charon.seed.Seeder;
import dev.charon.testing.CharonProcess;
import dev.charon.testing.StripeEmulator;
import dev.charon.testing.StripeFaultProxy;
import dev.charon.testing.StripeFaultProxy.Fault;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 18's "done when": a billing run over seeded customers, each mapped to a customer of the
 * Stripe emulator, charged through the Stripe adapter by worker processes while one worker is
 * killed (SIGKILL) mid-run, Stripe answers 500 for a while and then loses answers after charging;
 * every invoice ends charged exactly once, and {@code charon audit} (CHARON_PROVIDER=stripe)
 * reconciles the database with the emulator's charges.
 *
 * <p>CI size: 120 invoices (seconds). {@code -Dstripe.e2e.invoices=2000} runs a bigger one.
 */
class StripeChargingIT {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static final int INVOICES = Integer.getInteger("stripe.e2e.invoices", 120);

  @Test
  void
      a_run_through_stripe_with_a_worker_killed_and_stripe_failing_charges_every_invoice_once_and_audits_clean()
          throws Exception {
    var clock = Clock.systemUTC();
    var workers = new ArrayList<CharonProcess>();
    try (var emulator = StripeEmulator.start();
        var proxy = StripeFaultProxy.start(emulator.url());
        var database =
            Database.open(
                new DatabaseSettings(
                    Optional.of(db.jdbcUrl()),
                    TestDatabase.USER,
                    TestDatabase.PASSWORD,
                    4,
                    Path.of("-")),
                "it")) {
      new Seeder(database.jdbi(), clock).seed(INVOICES, 1, 0.18);
      // Five customers in yen (a zero-decimal currency at Stripe), the rest as seeded.
      database
          .jdbi()
          .useHandle(
              h -> {
                h.execute(
                    "update customer set currency = 'JPY' where id in (select id from customer order by id limit 5)");
                h.execute(
                    "update invoice set currency = 'JPY' where customer_id in (select id from customer where currency = 'JPY')");
              });
      // Every seeded customer is mapped to a Stripe customer whose default card pays.
      var customers =
          database
              .jdbi()
              .withHandle(
                  h ->
                      h.createQuery("select id from customer order by id")
                          .mapTo(Long.class)
                          .list());
      for (long id : customers) {
        var reference = emulator.customer("tok_visa");
        database
            .jdbi()
            .useHandle(
                h ->
                    h.execute(
                        "update customer set provider_reference = ? where id = ?", reference, id));
      }
      var runs =
          new BillingRuns(database.jdbi(), clock, ZoneOffset.UTC, 50, new SimpleMeterRegistry());
      var run = runs.produce(runs.startOrJoin(YearMonth.now(clock), "stripe-e2e").run());
      assertThat(run.enqueued()).isEqualTo(INVOICES);

      proxy.latency(Duration.ofMillis(25)); // a run long enough for the faults to strike mid-run
      var env =
          db.processEnv(
              "CHARON_PROVIDER", "stripe",
              "CHARON_STRIPE_API_KEY", StripeEmulator.API_KEY,
              "CHARON_STRIPE_API", "charges", // the emulator implements the Charges API only
              "CHARON_STRIPE_BASE_URL", proxy.url(),
              "CHARON_STRIPE_TIMEOUT", "3s",
              "CHARON_LEASE", "3s",
              "CHARON_RECONCILE_MAX", "1s",
              "CHARON_BREAKER_COOLDOWN", "1s");
      workers.add(CharonProcess.start(env, "worker", "--concurrency", "4"));
      workers.add(CharonProcess.start(env, "worker", "--concurrency", "4"));

      long total = INVOICES;
      await()
          .atMost(Duration.ofSeconds(180))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> paid(database) >= total / 5);
      workers.getFirst().kill();
      long paidAtKill = paid(database);
      proxy.failAll(Fault.ANSWER_500);
      int struckBefore = proxy.struck();
      await().atMost(Duration.ofSeconds(30)).until(() -> proxy.struck() >= struckBefore + 10);
      Thread.sleep(1_500); // Stripe answers 500 for a while
      proxy.failAll(Fault.LOSE_RESPONSE); // then charges but loses the answers
      int lostFrom = proxy.struck();
      await().atMost(Duration.ofSeconds(30)).until(() -> proxy.struck() >= lostFrom + 5);
      proxy.heal();
      workers.add(CharonProcess.start(env, "worker", "--concurrency", "4"));
      long paidAfterFaults = paid(database);

      await()
          .atMost(Duration.ofSeconds(300))
          .pollInterval(Duration.ofMillis(300))
          .until(
              () -> {
                runs.enqueueRetries();
                return count(database, "status <> 'PAID'") == 0;
              });
      System.out.printf(
          "stripe e2e: %d invoices, %d paid when the worker was killed, %d when the faults ended, %d faults struck, "
              + "%d charge requests reached the emulator%n",
          total, paidAtKill, paidAfterFaults, proxy.struck(), proxy.forwardedCharges());
      assertThat(paidAtKill).as("the worker was killed mid-run").isLessThan(total);
      assertThat(paidAfterFaults).as("the faults struck mid-run").isLessThan(total);
      assertThat(workers.getFirst().isAlive()).isFalse();

      // The emulator's own truth: one succeeded charge per invoice, of its exact amount.
      var charges = emulator.charges();
      Map<String, List<Charge>> byInvoice =
          charges.stream()
              .filter(c -> "succeeded".equals(c.getStatus()))
              .collect(
                  Collectors.groupingBy(
                      c -> c.getMetadata().get(StripePaymentProvider.INVOICE_ID)));
      assertThat(byInvoice).hasSize(INVOICES);
      assertThat(byInvoice.values()).allSatisfy(list -> assertThat(list).hasSize(1));
      var amounts =
          database
              .jdbi()
              .withHandle(
                  h ->
                      h.createQuery(
                              "select id, amount_minor from invoice where billing_run_id is not null")
                          .map(
                              (rs, ctx) ->
                                  Map.entry(
                                      String.valueOf(rs.getLong("id")), rs.getLong("amount_minor")))
                          .list());
      assertThat(amounts)
          .allSatisfy(
              e ->
                  assertThat(byInvoice.get(e.getKey()).getFirst().getAmount())
                      .isEqualTo(e.getValue()));

      var auditEnv =
          new HashMap<>(
              db.processEnv(
                  "CHARON_PROVIDER",
                  "stripe",
                  "CHARON_STRIPE_API_KEY",
                  StripeEmulator.API_KEY,
                  "CHARON_STRIPE_API",
                  "charges",
                  "CHARON_STRIPE_BASE_URL",
                  emulator.url()));
      var audit = CharonProcess.start(auditEnv, "audit");
      assertThat(audit.waitFor(120)).as(audit.output()).isZero();
      assertThat(audit.output())
          .contains("provider charges: " + INVOICES)
          .contains("everything reconciles");

      // The audit is not blind: a charge made on Stripe outside Charon's attempt is caught.
      var twice = charges.getFirst();
      emulator
          .client()
          .v1()
          .charges()
          .create(
              com.stripe.param.ChargeCreateParams.builder()
                  .setAmount(twice.getAmount())
                  .setCurrency(twice.getCurrency())
                  .setSource("tok_visa")
                  .putAllMetadata(twice.getMetadata())
                  .build());
      var failing = CharonProcess.start(auditEnv, "audit");
      assertThat(failing.waitFor(120)).as(failing.output()).isEqualTo(1);
      assertThat(failing.output()).contains("DIFFERENCES FOUND");
    } finally {
      workers.forEach(CharonProcess::close);
    }
  }

  private static long paid(Database database) {
    return count(database, "status = 'PAID'");
  }

  private static long count(Database database, String where) {
    return database
        .jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "select count(*) from invoice where billing_run_id is not null and ("
                            + where
                            + ")")
                    .mapTo(Long.class)
                    .one());
  }
}
