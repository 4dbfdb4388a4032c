package dev.charon.charging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.billing.DueInvoices;
import dev.charon.charging.domain.ChargePolicy;
import dev.charon.customer.PaymentMethods;
import dev.charon.money.Currency;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.DeclineCode;
import dev.charon.testing.ChargeFixtures;
import dev.charon.testing.Fixtures;
import dev.charon.testing.MutableClock;
import dev.charon.testing.ScriptedProvider;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Decline-aware dunning against PostgreSQL: hard declines wait for a new payment method. */
class HardDeclineTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  private final Fixtures fixtures = new Fixtures(db.jdbi());
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-01T00:00:00Z"));
  private final ScriptedProvider provider = new ScriptedProvider();
  private final ChargePolicy policy = ChargeFixtures.policy();
  private final PaymentMethods methods =
      new PaymentMethods(db.jdbi(), clock, new SimpleMeterRegistry());
  private DueInvoices due;
  private ChargeEngine engine;

  @BeforeEach
  void setUp() {
    db.clean();
    due = new DueInvoices(db.jdbi(), true);
    engine =
        new ChargeEngine(
            db.jdbi(),
            provider,
            policy,
            ChargeFixtures.breaker(clock),
            clock,
            "test-worker",
            new SimpleMeterRegistry());
  }

  @ParameterizedTest
  @EnumSource(value = DeclineCode.class)
  void each_decline_code_is_recorded_and_decides_between_dunning_and_a_new_payment_method(
      DeclineCode code) {
    long invoice = enqueuedInvoice(fixtures.customer(Currency.EUR));
    provider.then(new ChargeOutcome.Declined(code.code()));

    SingleDelivery.process(engine, db.jdbi(), invoice);

    assertThat(attempts(invoice))
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.get("outcome")).isEqualTo("DECLINED");
              assertThat(a.get("decline_code")).isEqualTo(code.code());
            });
    var row = invoice(invoice);
    if (code.kind() == DeclineCode.Kind.HARD) {
      assertThat(row)
          .containsEntry("status", "ACTION_REQUIRED")
          .containsEntry("next_attempt_at", null);
      assertThat((String) row.get("status_reason"))
          .startsWith("needs a new payment method")
          .contains(code.code());
    } else {
      assertThat(row).containsEntry("status", "RETRY_SCHEDULED");
      assertThat(((java.sql.Timestamp) row.get("next_attempt_at")).toInstant())
          .isEqualTo(clock.instant().plus(Duration.ofDays(1)));
    }
  }

  @Test
  void a_hard_decline_is_never_retried_until_the_payment_method_changes() {
    long customer = fixtures.customer(Currency.EUR);
    long invoice = enqueuedInvoice(customer);
    provider.then(new ChargeOutcome.Declined("expired_card"));
    SingleDelivery.process(engine, db.jdbi(), invoice);
    assertThat(invoice(invoice)).containsEntry("status", "ACTION_REQUIRED");

    // A year of retry polls: nothing is enqueued, the provider is never called again.
    for (int day = 1; day <= 365; day += 7) {
      clock.set(Instant.parse("2026-11-01T00:00:00Z").plus(Duration.ofDays(day)));
      assertThat(due.enqueueRetries(clock.instant(), 100)).isZero();
    }
    assertThat(provider.calls()).hasSize(1);
    assertThat(requests(invoice)).isZero();

    var updated =
        db.jdbi()
            .inTransaction(h -> methods.update(h, customer, "pm_new_card", null, "api-key:ops"));
    assertThat(updated.invoicesRetried()).isEqualTo(1);
    assertThat(updated.version()).isEqualTo(1);

    var row = invoice(invoice);
    assertThat(row)
        .containsEntry("status", "RETRY_SCHEDULED")
        .containsEntry("status_actor", "api-key:ops");
    assertThat(((java.sql.Timestamp) row.get("next_attempt_at")).toInstant())
        .isEqualTo(clock.instant());
    assertThat(history(invoice).getLast())
        .containsEntry("old_status", "ACTION_REQUIRED")
        .containsEntry("new_status", "RETRY_SCHEDULED")
        .containsEntry("actor", "api-key:ops");
    assertThat((String) history(invoice).getLast().get("reason"))
        .contains("payment method updated");
    assertThat(events(invoice)).last().isEqualTo("invoice.payment_failed");
    assertThat(changes(customer)).isEqualTo(1);

    assertThat(due.enqueueRetries(clock.instant(), 100)).isEqualTo(1);
    provider.then(new ChargeOutcome.Charged("ch_new_card"));
    SingleDelivery.process(engine, db.jdbi(), invoice);
    assertThat(invoice(invoice)).containsEntry("status", "PAID");
    assertThat(provider.calls()).hasSize(2);
  }

  @Test
  void a_hard_decline_does_not_use_up_the_dunning_schedule() {
    long customer = fixtures.customer(Currency.EUR);
    long invoice = enqueuedInvoice(customer);
    provider.then(
        new ChargeOutcome.Declined("lost_card"), new ChargeOutcome.Declined("insufficient_funds"));
    SingleDelivery.process(engine, db.jdbi(), invoice);
    db.jdbi().useTransaction(h -> methods.update(h, customer, "pm_2", null, "api-key:ops"));
    due.enqueueRetries(clock.instant(), 100);

    SingleDelivery.process(engine, db.jdbi(), invoice);

    var row = invoice(invoice);
    assertThat(row).containsEntry("status", "RETRY_SCHEDULED");
    assertThat((String) row.get("status_reason")).contains("dunning retry 1 of 3");
  }

  @Test
  void a_payment_method_update_leaves_invoices_waiting_for_other_reasons_alone() {
    long customer = fixtures.customer(Currency.EUR);
    long notFound = enqueuedInvoice(customer);
    long softDeclined = enqueuedInvoice(customer);
    long otherCustomersCard = enqueuedInvoice(fixtures.customer(Currency.EUR));
    provider.then(
        new ChargeOutcome.CustomerNotFound("cus_x"),
        new ChargeOutcome.Declined("insufficient_funds"),
        new ChargeOutcome.Declined("stolen_card"));
    SingleDelivery.process(engine, db.jdbi(), notFound);
    SingleDelivery.process(engine, db.jdbi(), softDeclined);
    SingleDelivery.process(engine, db.jdbi(), otherCustomersCard);

    var updated =
        db.jdbi().inTransaction(h -> methods.update(h, customer, "pm_3", null, "api-key:ops"));

    assertThat(updated.invoicesRetried()).isZero();
    assertThat(invoice(notFound)).containsEntry("status", "ACTION_REQUIRED");
    assertThat(invoice(softDeclined)).containsEntry("status", "RETRY_SCHEDULED");
    assertThat(invoice(otherCustomersCard)).containsEntry("status", "ACTION_REQUIRED");
  }

  private long enqueuedInvoice(long customer) {
    long id =
        fixtures
            .invoice()
            .forCustomer(customer)
            .amount(4_200)
            .period(YearMonth.of(2026, 11))
            .create();
    db.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "update invoice set status = 'PROCESSING', status_reason = 'enqueued', charge_available_at = charon_now() where id = ?",
                    id));
    db.jdbi().useHandle(h -> h.execute("insert into charge_request (invoice_id) values (?)", id));
    return id;
  }

  private Map<String, Object> invoice(long id) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select * from invoice where id = :id")
                    .bind("id", id)
                    .mapToMap()
                    .one());
  }

  private List<Map<String, Object>> attempts(long id) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select * from charge_attempt where invoice_id = :id order by id")
                    .bind("id", id)
                    .mapToMap()
                    .list());
  }

  private List<Map<String, Object>> history(long id) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select * from invoice_history where invoice_id = :id order by id")
                    .bind("id", id)
                    .mapToMap()
                    .list());
  }

  private List<String> events(long id) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select type from event_outbox where subject = :s order by id")
                    .bind("s", "invoices/" + id)
                    .mapTo(String.class)
                    .list());
  }

  private long changes(long customer) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select count(*) from payment_method_change where customer_id = :id")
                    .bind("id", customer)
                    .mapTo(Long.class)
                    .one());
  }

  private long requests(long id) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select count(*) from charge_request where invoice_id = :id")
                    .bind("id", id)
                    .mapTo(Long.class)
                    .one());
  }
}
