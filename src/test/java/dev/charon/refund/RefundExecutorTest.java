package dev.charon.refund;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.charging.domain.Backoff;
import dev.charon.credit.CreditNotes;
import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.refund.domain.RefundPolicy;
import dev.charon.testing.Fixtures;
import dev.charon.testing.ScriptedProvider;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The refund executor: exactly one refund at the provider per request, whatever fails when. */
class RefundExecutorTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  private static final Duration LEASE = Duration.ofMillis(300);
  private final Fixtures fixtures = new Fixtures(db.jdbi());
  private final ScriptedProvider provider = new ScriptedProvider();
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private final Refunds refunds = new Refunds(db.jdbi(), metrics);
  private RefundExecutor executor;

  @BeforeEach
  void setUp() {
    db.clean();
    executor = executor("executor-1");
  }

  private RefundExecutor executor(String name) {
    // Retries come due at once: the tests decide when the next round runs.
    var now = new Backoff(Duration.ofMillis(1), Duration.ofMillis(1));
    return new RefundExecutor(
        new RefundStore(db.jdbi(), new CreditNotes(db.jdbi(), metrics)),
        provider,
        new RefundPolicy(now, now),
        Clock.systemUTC(),
        name,
        LEASE,
        Duration.ofMillis(50),
        16,
        metrics);
  }

  /** A PAID invoice whose charge the provider knows as ch_<id>. */
  private long chargedInvoice(long amountMinor) {
    long invoice = fixtures.invoice().amount(amountMinor).status(InvoiceStatus.PAID).create();
    db.jdbi()
        .useHandle(
            h ->
                h.execute(
                    """
                    insert into charge_attempt (invoice_id, attempt_no, idempotency_key, amount_minor, currency,
                                                outcome, provider_reference, worker, calls, completed_at)
                    values (?, 1, 'key-' || ?, ?, 'EUR', 'CHARGED', 'ch_' || ?, 'w', 1, now())
                    """,
                    invoice,
                    invoice,
                    amountMinor,
                    invoice));
    return invoice;
  }

  private dev.charon.refund.domain.Refund request(long invoice, long minor) {
    return db.jdbi()
        .inTransaction(
            h ->
                refunds.request(
                    h,
                    invoice,
                    Optional.of(Money.ofMinor(minor, Currency.EUR)),
                    "customer asked",
                    "api-key:ops"));
  }

  private String status(long refundId) {
    return refunds.find(refundId).orElseThrow().status().name();
  }

  private <T> T one(String sql, Class<T> type, Object... args) {
    return db.jdbi().withHandle(h -> h.select(sql, args).mapTo(type).one());
  }

  @Test
  void a_partial_then_a_full_refund_move_the_invoice_and_write_notes_history_and_events() {
    long invoice = chargedInvoice(20_00);
    var first = request(invoice, 5_00);

    assertThat(executor.runOnce()).isEqualTo(1);

    assertThat(status(first.id())).isEqualTo("SUCCEEDED");
    assertThat(provider.refundCalls())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.idempotencyKey()).isEqualTo(first.idempotencyKey());
              assertThat(c.chargeReference()).isEqualTo("ch_" + invoice);
              assertThat(c.amount().minorUnits()).isEqualTo(5_00);
            });
    assertThat(one("select status from invoice where id = ?", String.class, invoice))
        .isEqualTo("PARTIALLY_REFUNDED");
    var second = request(invoice, 15_00);
    executor.runOnce();
    assertThat(status(second.id())).isEqualTo("SUCCEEDED");
    assertThat(one("select status from invoice where id = ?", String.class, invoice))
        .isEqualTo("REFUNDED");
    assertThat(one("select refunded_minor from invoice where id = ?", Long.class, invoice))
        .isEqualTo(20_00);
    assertThat(
            one(
                "select count(*) from credit_note where kind = 'REFUND' and invoice_id = ?",
                Long.class,
                invoice))
        .isEqualTo(2);
    assertThat(one("select count(*) from event_outbox where type = 'invoice.refunded'", Long.class))
        .isEqualTo(2);
    assertThat(
            one(
                "select count(*) from invoice_history where invoice_id = ? and actor = 'api-key:ops' and reason like 'refund %'",
                Long.class, invoice))
        .isEqualTo(2);
    assertThat(metrics.counter("charon.refunds", "outcome", "refunded").count()).isEqualTo(2);
  }

  @Test
  void
      an_executor_dying_between_the_providers_refund_and_its_record_settles_once_with_the_same_key() {
    long invoice = chargedInvoice(20_00);
    var refund = request(invoice, 7_00);
    provider.crashAfterProcessing(new IllegalStateException("executor killed after the call"));

    executor.runOnce(); // the provider refunded; nothing was recorded

    assertThat(status(refund.id())).isEqualTo("UNKNOWN");
    assertThat(provider.successfulRefunds(invoice)).isEqualTo(1);
    // Another executor cannot take it while the lease holds, and takes it once it lapsed.
    var other = executor("executor-2");
    assertThat(other.runOnce()).isZero();
    await().atMost(LEASE.plusSeconds(5)).until(() -> other.runOnce() == 1);

    assertThat(status(refund.id())).isEqualTo("SUCCEEDED");
    assertThat(provider.refundCalls())
        .hasSize(2)
        .allSatisfy(c -> assertThat(c.idempotencyKey()).isEqualTo(refund.idempotencyKey()));
    assertThat(provider.successfulRefunds(invoice)).isEqualTo(1);
    assertThat(one("select refunded_minor from invoice where id = ?", Long.class, invoice))
        .isEqualTo(7_00);
    assertThat(one("select count(*) from credit_note where refund_id = ?", Long.class, refund.id()))
        .isEqualTo(1);
    assertThat(one("select calls from refund where id = ?", Integer.class, refund.id()))
        .isEqualTo(2);
  }

  @Test
  void an_unknown_answer_is_reconciled_with_the_same_key_and_refunds_once() {
    long invoice = chargedInvoice(20_00);
    var refund = request(invoice, 3_00);
    provider.thenRefund(new RefundOutcome.Unknown("read timeout"));

    executor.runOnce();
    assertThat(status(refund.id())).isEqualTo("UNKNOWN");
    executor.runOnce();

    assertThat(status(refund.id())).isEqualTo("SUCCEEDED");
    assertThat(provider.refundCalls())
        .hasSize(2)
        .allSatisfy(c -> assertThat(c.idempotencyKey()).isEqualTo(refund.idempotencyKey()));
    assertThat(provider.successfulRefunds(invoice)).isEqualTo(1);
  }

  @Test
  void an_unavailable_provider_leaves_the_refund_requested_and_it_is_sent_again() {
    long invoice = chargedInvoice(20_00);
    var refund = request(invoice, 3_00);
    provider.thenRefund(new RefundOutcome.Unavailable("connection refused"));

    executor.runOnce();
    assertThat(status(refund.id())).isEqualTo("REQUESTED");
    executor.runOnce();

    assertThat(status(refund.id())).isEqualTo("SUCCEEDED");
    assertThat(provider.successfulRefunds(invoice)).isEqualTo(1);
  }

  @Test
  void a_refused_refund_fails_with_its_reason_and_releases_its_reservation() {
    long invoice = chargedInvoice(20_00);
    var refund = request(invoice, 20_00);
    provider.thenRefund(
        new RefundOutcome.Refused(RefundOutcome.Refused.CHARGE_DISPUTED, "the charge is disputed"));

    executor.runOnce();

    var failed = refunds.find(refund.id()).orElseThrow();
    assertThat(failed.status().name()).isEqualTo("FAILED");
    assertThat(failed.failureCode()).isEqualTo("charge_disputed");
    assertThat(failed.failure()).isEqualTo("the charge is disputed");
    assertThat(one("select status from invoice where id = ?", String.class, invoice))
        .isEqualTo("PAID");
    assertThat(one("select count(*) from credit_note", Long.class)).isZero();
    // The whole amount is refundable again.
    assertThat(request(invoice, 20_00).refundNo()).isEqualTo(2);
  }

  @Test
  void an_invoice_never_charged_at_the_provider_fails_its_refund_without_a_call() {
    long invoice = fixtures.invoice().amount(20_00).status(InvoiceStatus.PAID).create();
    var refund = request(invoice, 1_00);

    executor.runOnce();

    assertThat(status(refund.id())).isEqualTo("FAILED");
    assertThat(provider.refundCalls()).isEmpty();
  }
}
