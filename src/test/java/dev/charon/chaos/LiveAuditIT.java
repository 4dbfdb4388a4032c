package dev.charon.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.audit.Auditor;
import dev.charon.chaos.ChaosCluster.Transport;
import dev.charon.seed.Seeder;
import dev.charon.testing.Http;
import dev.charon.testing.TestDatabase;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code charon audit}'s reconciliation run every second while a real run charges through a gateway
 * that loses responses and refuses calls, so that charges land at the provider between any two
 * reads: it must never report a difference, and must still report a double charge, a missing charge
 * and an amount that differs once they are injected (issue 16). The server's standing audit (issue
 * 25) runs through the same run every 10 s: no stored result reports a difference until the double
 * charge is planted, and then one does.
 */
@Tag("chaos")
class LiveAuditIT {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static final int INVOICES = Integer.parseInt(ChaosIT.env("CHARON_LIVE_AUDIT_INVOICES", "200"));

  @Test
  void an_audit_looping_during_a_live_run_never_reports_a_difference_and_still_finds_injected_ones()
      throws Exception {
    new Seeder(db.jdbi(), Clock.systemUTC()).seed(INVOICES, 1, 0.5);
    try (var c =
        new ChaosCluster(
            db,
            Transport.POSTGRES,
            7,
            "charon.audit." + UUID.randomUUID().toString().substring(0, 8))) {
      c.gateway(
          "--decline-rate",
          "0.1",
          "--network-error-rate",
          "0.1",
          "--timeout-rate",
          "0.1",
          "--latency-ms",
          "100",
          "--latency-jitter-ms",
          "50",
          "--seed",
          "7");
      // The server's standing audit (issue 25) runs through the same chaos, every 10 s.
      c.set("CHARON_AUDIT_INTERVAL", "10s");
      c.startServer();
      c.startWorkers(2);
      var auditor = new Auditor(db.jdbi(), URI.create(c.gateway.url() + "/"));
      var reports = new ArrayList<Auditor.Report>();
      var running = new AtomicBoolean(true);
      var loop =
          Thread.ofVirtual()
              .start(
                  () -> {
                    while (running.get()) {
                      try {
                        var report = auditor.run();
                        synchronized (reports) {
                          reports.add(report);
                        }
                        Thread.sleep(1000);
                      } catch (InterruptedException e) {
                        return;
                      } catch (Exception e) {
                        throw new IllegalStateException(e);
                      }
                    }
                  });
      c.startRun(YearMonth.now(Clock.systemUTC()).toString());

      var settle =
          Settle.await(
              Duration.ofMinutes(4),
              Duration.ofMillis(500),
              () ->
                  count(
                              """
          select count(*) from invoice where status = 'PROCESSING'
            or (status = 'RETRY_SCHEDULED' and last_failure like 'provider unavailable%')
          """)
                          == 0
                      && count("select count(*) from billing_run where state <> 'FINISHED'") == 0,
              () ->
                  count("select count(*) from invoice where status = 'PROCESSING'")
                      + " PROCESSING");
      running.set(false);
      loop.join(Duration.ofSeconds(60));
      assertThat(settle.settled()).as(settle.describe()).isTrue();

      List<Auditor.Report> seen;
      synchronized (reports) {
        seen = List.copyOf(reports);
      }
      var midRun = seen.stream().filter(r -> r.inFlight() > 0).count();
      var withChargesInFlight = seen.stream().filter(r -> r.inFlightCharges() > 0).count();
      System.out.printf(
          "live audit: %d audits, %d mid-run, %d with provider charges in flight%n",
          seen.size(), midRun, withChargesInFlight);
      assertThat(midRun)
          .as("audits that ran while invoices were in flight")
          .isGreaterThanOrEqualTo(3);
      assertThat(withChargesInFlight)
          .as("audits that met charges made but not yet recorded")
          .isPositive();
      assertThat(seen)
          .as("every audit during the run reconciles")
          .allSatisfy(r -> assertThat(r.reconciles()).as(r.toString()).isTrue());
      assertThat(auditor.run().reconciles()).isTrue();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> count("select count(*) from audit_result where outcome = 'RECONCILES'") > 0);
      System.out.printf(
          "standing audit through the run: %s%n",
          db.jdbi()
              .withHandle(
                  h ->
                      h.createQuery(
                              "select outcome || ' ' || count(*) from audit_result group by outcome order by 1")
                          .mapTo(String.class)
                          .list())
              .toString());
      assertThat(count("select count(*) from audit_result where outcome = 'DIFFERENCES'"))
          .as("standing audits that reported a difference through the chaos run")
          .isZero();

      // A double charge: a paid invoice charged again under a fresh key.
      long doubled = paidInvoice(0);
      chargeAgain(c, doubled);
      assertThat(check(auditor.run(), "invoices charged more than once")).contains(doubled);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  count(
                          "select count(*) from audit_result where outcome = 'DIFFERENCES' and (differences ->> 'double_charge')::bigint > 0")
                      > 0);

      // A missing charge: an invoice recorded as PAID that the provider never charged.
      long missing =
          count("select min(id) from invoice where status <> 'PAID' and attempt_count > 0");
      db.jdbi()
          .useHandle(
              h ->
                  h.execute(
                      "update invoice set status = 'PAID', paid_at = now(), status_reason = 'injected by the test' where id = ?",
                      missing));
      assertThat(check(auditor.run(), "PAID invoices without exactly one provider charge"))
          .contains(missing);

      // An amount change: the database records a paid amount the provider did not charge.
      long changed = paidInvoice(1);
      db.jdbi()
          .useHandle(
              h -> {
                h.execute(
                    "update invoice set amount_minor = amount_minor + 1 where id = ?", changed);
                h.execute(
                    "update charge_attempt set amount_minor = amount_minor + 1 where invoice_id = ? and outcome = 'CHARGED'",
                    changed);
              });
      var report = auditor.run();
      assertThat(check(report, "provider charges that differ from the recorded attempt"))
          .contains(changed);
      assertThat(report.currencies()).anySatisfy(line -> assertThat(line.ok()).isFalse());
    }
  }

  private static List<Long> check(Auditor.Report report, String name) {
    return report.checks().stream()
        .filter(c -> c.name().startsWith(name))
        .findFirst()
        .orElseThrow()
        .examples();
  }

  private static long paidInvoice(int nth) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "select i.id from invoice i join charge_attempt a on a.invoice_id = i.id and a.outcome = 'CHARGED' order by i.id offset :n limit 1")
                    .bind("n", nth)
                    .mapTo(Long.class)
                    .one());
  }

  private static void chargeAgain(ChaosCluster c, long invoiceId) {
    var invoice =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "select customer_id, amount_minor, currency from invoice where id = :id")
                        .bind("id", invoiceId)
                        .mapToMap()
                        .one());
    var body =
        "{\"invoiceId\":%d,\"customerId\":%d,\"amountMinor\":%d,\"currency\":\"%s\"}"
            .formatted(
                invoiceId,
                invoice.get("customer_id"),
                invoice.get("amount_minor"),
                invoice.get("currency"));
    int status = -1;
    for (int i = 0;
        i < 40 && status != 201;
        i++) { // the gateway's own faults may answer 402/503 first
      status =
          new Http(c.gateway.url())
              .send(
                  HttpRequest.newBuilder(URI.create(c.gateway.url() + "/charges"))
                      .header("Idempotency-Key", "injected-double-" + invoiceId + "-" + i)
                      .header("Content-Type", "application/json")
                      .POST(HttpRequest.BodyPublishers.ofString(body)))
              .status();
    }
    assertThat(status).as("the injected second charge went through").isEqualTo(201);
  }

  private static long count(String sql) {
    return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
  }
}
