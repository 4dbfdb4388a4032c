package dev.charon.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.audit.Auditor;
import dev.charon.db.Lineage;
import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.HttpPaymentProvider;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.domain.IdempotencyKeys;
import dev.charon.testing.Fixtures;
import dev.charon.testing.GatewayProcess;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Adoption against the real gateway process: the provider holds charges made with the keys this
 * lineage derives, while the database shows their invoices as a database that lost its last seconds
 * would (no attempt, an attempt still UNKNOWN, a decline followed by a forgotten second attempt).
 * The charges are made over HTTP exactly as a worker makes them; only the database's record of them
 * is missing.
 */
class ProviderAdoptionIT {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  private GatewayProcess gateway;
  private HttpPaymentProvider provider;

  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private Fixtures fixtures;
  private IdempotencyKeys keys;

  // A gateway per test: the audit reads its whole ledger, and the cleaned database hands out the
  // same invoice ids again.
  @BeforeEach
  void startGateway() {
    gateway = GatewayProcess.start();
    provider =
        new HttpPaymentProvider(
            URI.create(gateway.url() + "/"), Duration.ofSeconds(2), Duration.ofSeconds(10));
  }

  @AfterEach
  void stopGateway() {
    provider.close();
    gateway.close();
  }

  @BeforeEach
  void setUp() {
    db.clean();
    fixtures = new Fixtures(db.jdbi());
    keys = new IdempotencyKeys(db.jdbi().withHandle(Lineage::secret));
  }

  private ProviderAdoption adoption() {
    return new ProviderAdoption(
        db.jdbi(), new GatewayChargeFeed(URI.create(gateway.url())), Clock.systemUTC(), metrics);
  }

  private long invoice(InvoiceStatus status, long minor, Currency currency) {
    return fixtures.invoice().in(currency).amount(minor).status(status).create();
  }

  private String charge(long invoice, int attempt) {
    var row =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "select customer_id, amount_minor, currency from invoice where id = :id")
                        .bind("id", invoice)
                        .mapToMap()
                        .one());
    long customer = ((Number) row.get("customer_id")).longValue();
    var money =
        Money.ofMinor(
            ((Number) row.get("amount_minor")).longValue(),
            Currency.valueOf(row.get("currency").toString().trim()));
    var key = keys.charge(invoice, attempt, customer, money);
    var outcome = provider.charge(new ChargeRequest(invoice, customer, money, key));
    assertThat(outcome).isInstanceOf(ChargeOutcome.Charged.class);
    return ((ChargeOutcome.Charged) outcome).providerReference();
  }

  private void attempt(long invoice, int number, String outcome) {
    db.jdbi()
        .useHandle(
            h -> {
              var row =
                  h.createQuery(
                          "select customer_id, amount_minor, currency from invoice where id = :id")
                      .bind("id", invoice)
                      .mapToMap()
                      .one();
              var money =
                  Money.ofMinor(
                      ((Number) row.get("amount_minor")).longValue(),
                      Currency.valueOf(row.get("currency").toString().trim()));
              var key =
                  keys.charge(
                      invoice, number, ((Number) row.get("customer_id")).longValue(), money);
              h.createUpdate(
                      """
                      insert into charge_attempt (invoice_id, attempt_no, idempotency_key, amount_minor, currency,
                                                  outcome, worker, calls, completed_at)
                      values (:invoice, :no, :key, :amount, :currency, :outcome, 'w1', 1,
                              case when :outcome = 'UNKNOWN' then null else now() end)
                      """)
                  .bind("invoice", invoice)
                  .bind("no", number)
                  .bind("key", key)
                  .bind("amount", money.minorUnits())
                  .bind("currency", money.currency().name())
                  .bind("outcome", outcome)
                  .execute();
              if (!outcome.equals("UNKNOWN")) {
                h.execute("update invoice set attempt_count = ? where id = ?", number, invoice);
              }
            });
  }

  private Map<String, Object> invoiceRow(long id) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "select status, attempt_count, status_actor from invoice where id = :id")
                    .bind("id", id)
                    .mapToMap()
                    .one());
  }

  private long count(String sql, Object... args) {
    return db.jdbi()
        .withHandle(
            h -> {
              var q = h.createQuery(sql);
              for (int i = 0; i < args.length; i++) {
                q.bind(i, args[i]);
              }
              return q.mapTo(Long.class).one();
            });
  }

  @Test
  void charges_the_database_forgot_are_adopted_with_their_key_a_history_entry_and_an_event()
      throws Exception {
    long noAttempt = invoice(InvoiceStatus.PROCESSING, 12_50, Currency.EUR);
    long openAttempt = invoice(InvoiceStatus.PROCESSING, 9_99, Currency.USD);
    long afterDecline = invoice(InvoiceStatus.RETRY_SCHEDULED, 30_00, Currency.GBP);
    String first = charge(noAttempt, 1);
    attempt(openAttempt, 1, "UNKNOWN");
    String second = charge(openAttempt, 1);
    attempt(afterDecline, 1, "DECLINED");
    String third = charge(afterDecline, 2);
    var before = new Auditor(db.jdbi(), URI.create(gateway.url() + "/")).run();
    assertThat(before.reconciles()).as("the audit sees the forgotten charges").isFalse();

    var pass = adoption().pass(Duration.ZERO, () -> false);

    assertThat(pass.adopted()).isEqualTo(3);
    assertThat(pass.refused()).isZero();
    for (var id : new long[] {noAttempt, openAttempt, afterDecline}) {
      var row = invoiceRow(id);
      assertThat(row.get("status")).as("invoice %d", id).isEqualTo("PAID");
      assertThat(row.get("status_actor")).isEqualTo("reconciliation");
      assertThat(
              count(
                  "select count(*) from invoice_history where invoice_id = ? and new_status = 'PAID'"
                      + " and actor = 'reconciliation' and reason like '%adopted%'",
                  id))
          .isEqualTo(1);
      assertThat(
              count(
                  "select count(*) from event_outbox where subject = 'invoices/' || ?::text"
                      + " and type = 'invoice.paid' and data->>'actor' = 'reconciliation'",
                  id))
          .isEqualTo(1);
      assertThat(count("select count(*) from charge_request where invoice_id = ?", id)).isZero();
      assertThat(
              count(
                  "select count(*) from invoice where id = ? and charge_available_at is not null",
                  id))
          .as("the adopted invoice is no longer offered for charging")
          .isZero();
    }
    assertThat(
            count(
                "select count(*) from charge_attempt where outcome = 'CHARGED' and provider_reference"
                    + " in (?, ?, ?)",
                first,
                second,
                third))
        .isEqualTo(3);
    assertThat(invoiceRow(afterDecline).get("attempt_count")).isEqualTo(2);
    assertThat(
            count(
                "select count(*) from charge_attempt where invoice_id = ? and attempt_no = 1"
                    + " and outcome = 'CHARGED' and worker = 'w1'",
                openAttempt))
        .as("the open attempt is completed, not duplicated")
        .isEqualTo(1);
    var after = new Auditor(db.jdbi(), URI.create(gateway.url() + "/")).run();
    assertThat(after.reconciles()).as(after.toString()).isTrue();
    assertThat(metrics.counter("charon.adoption.charges", "outcome", "adopted").count())
        .isEqualTo(3);
    assertThat(count("select adopted from ledger_cursor where provider = 'gateway'")).isEqualTo(3);
  }

  @Test
  void a_second_pass_reads_from_the_cursor_and_a_charge_inside_the_grace_period_waits()
      throws Exception {
    long forgotten = invoice(InvoiceStatus.PROCESSING, 5_00, Currency.EUR);
    charge(forgotten, 1);

    var young = adoption().pass(Duration.ofHours(1), () -> false);
    assertThat(young.read()).isZero();
    assertThat(invoiceRow(forgotten).get("status")).isEqualTo("PROCESSING");

    var first = adoption().pass(Duration.ZERO, () -> false);
    assertThat(first.adopted()).isEqualTo(1);
    var again = adoption().pass(Duration.ZERO, () -> false);
    assertThat(again.read()).as("the cursor moved past it").isZero();
    assertThat(again.position()).isEqualTo(first.position());
  }

  @Test
  void a_charge_whose_key_is_not_this_lineages_or_that_another_attempt_follows_is_refused()
      throws Exception {
    long other = invoice(InvoiceStatus.PROCESSING, 7_00, Currency.EUR);
    var otherDeployment = new IdempotencyKeys("another-deployment-secret-of-32-chars-or-more");
    long customer = count("select customer_id from invoice where id = ?", other);
    var money = Money.ofMinor(7_00, Currency.EUR);
    provider.charge(
        new ChargeRequest(
            other, customer, money, otherDeployment.charge(other, 1, customer, money)));
    long paidTwice = invoice(InvoiceStatus.PROCESSING, 8_00, Currency.EUR);
    charge(paidTwice, 1);
    attempt(paidTwice, 2, "UNKNOWN");
    charge(paidTwice, 2);
    // Attempt 1's charge meets attempt 2 open: a history it does not belong to, refused (and left
    // to the audit, which reports the invoice charged twice); attempt 2's charge is adopted.

    var pass = adoption().pass(Duration.ZERO, () -> false);

    assertThat(invoiceRow(other).get("status")).isEqualTo("PROCESSING");
    assertThat(pass.refused()).isEqualTo(2);
    assertThat(metrics.counter("charon.adoption.charges", "outcome", "foreign_key").count())
        .isEqualTo(1);
    assertThat(metrics.counter("charon.adoption.charges", "outcome", "attempt").count())
        .isEqualTo(1);
    assertThat(count("select count(*) from charge_attempt where invoice_id = ?", other)).isZero();
    assertThat(invoiceRow(paidTwice).get("status")).isEqualTo("PAID");
    assertThat(invoiceRow(paidTwice).get("attempt_count")).isEqualTo(2);
    var audit = new Auditor(db.jdbi(), URI.create(gateway.url() + "/")).run();
    assertThat(audit.checks().getFirst().examples()).contains(paidTwice);
  }

  @Test
  void a_charge_the_workers_recorded_is_not_adopted() throws Exception {
    long recorded = invoice(InvoiceStatus.PROCESSING, 4_00, Currency.EUR);
    attempt(recorded, 1, "UNKNOWN");
    String reference = charge(recorded, 1);
    db.jdbi()
        .useHandle(
            h -> {
              h.execute(
                  "update charge_attempt set outcome = 'CHARGED', provider_reference = ?,"
                      + " completed_at = now() where invoice_id = ?",
                  reference,
                  recorded);
              h.execute(
                  "update invoice set status = 'PAID', paid_at = now(), attempt_count = 1,"
                      + " status_actor = 'w1', status_reason = 'charged' where id = ?",
                  recorded);
            });

    var pass = adoption().pass(Duration.ZERO, () -> false);

    assertThat(pass.read()).isEqualTo(1);
    assertThat(pass.adopted()).isZero();
    assertThat(pass.refused()).isZero();
    assertThat(invoiceRow(recorded).get("status_actor")).isEqualTo("w1");
  }

  @Test
  void after_a_timeline_move_no_attempt_opens_until_the_forgotten_charges_are_adopted()
      throws Exception {
    long forgotten = invoice(InvoiceStatus.PROCESSING, 6_00, Currency.EUR);
    charge(forgotten, 1);
    // The marker as the last writer left it on the timeline before a promotion or restore.
    db.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "insert into lineage_marker (id, timeline) values (1, charon_timeline() + 1)"));
    assertThat(count("select count(*) from lineage_marker where not charon_lineage_current()"))
        .as("workers refuse to open attempts")
        .isEqualTo(1);
    var adoption = adoption();

    var pass = new LineageWatch(db.jdbi(), adoption, metrics).check(() -> false);

    assertThat(pass).isPresent();
    assertThat(pass.get().adopted()).isEqualTo(1);
    assertThat(invoiceRow(forgotten).get("status")).isEqualTo("PAID");
    assertThat(count("select count(*) from lineage_marker where charon_lineage_current()"))
        .as("charging resumes once adopted")
        .isEqualTo(1);
    assertThat(new LineageWatch(db.jdbi(), adoption, metrics).check(() -> false)).isEmpty();
    assertThat(metrics.counter("charon.lineage.timeline.moves").count()).isEqualTo(1);
  }
}
