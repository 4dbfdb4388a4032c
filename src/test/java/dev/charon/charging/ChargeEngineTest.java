package dev.charon.charging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.charon.billing.DueInvoices;
import dev.charon.charging.domain.ChargePolicy;
import dev.charon.charging.domain.CircuitBreaker;
import dev.charon.money.Currency;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.fake.FaultProfile;
import dev.charon.payment.fake.SimulatedPaymentProvider;
import dev.charon.testing.BreakerState;
import dev.charon.testing.ChargeFixtures;
import dev.charon.testing.Fixtures;
import dev.charon.testing.MutableClock;
import dev.charon.testing.ScriptedProvider;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ChargeEngineTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  private final Fixtures fixtures = new Fixtures(db.jdbi());
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-01T00:00:00Z"));
  private final ScriptedProvider provider = new ScriptedProvider();
  private final ChargePolicy policy = ChargeFixtures.policy();
  private CircuitBreaker breaker = ChargeFixtures.breaker(clock);
  private ChargeEngine engine;

  @BeforeEach
  void setUp() {
    db.clean();
    engine = engine(provider);
  }

  private ChargeEngine engine(dev.charon.payment.PaymentProvider p) {
    return new ChargeEngine(
        db.jdbi(), p, policy, breaker, clock, "test-worker", new SimpleMeterRegistry());
  }

  private ChargeEngine.Result process(ChargeEngine engine, long invoice) {
    return SingleDelivery.process(engine, db.jdbi(), invoice);
  }

  static Stream<Arguments> outcomes() {
    return Stream.of(
        Arguments.of(new ChargeOutcome.Charged("ch_1"), "PAID", "CHARGED"),
        Arguments.of(
            new ChargeOutcome.Declined("insufficient_funds"), "RETRY_SCHEDULED", "DECLINED"),
        Arguments.of(
            new ChargeOutcome.CustomerNotFound("cus_x"), "ACTION_REQUIRED", "CUSTOMER_NOT_FOUND"),
        Arguments.of(
            new ChargeOutcome.CurrencyMismatch("EUR vs USD"),
            "ACTION_REQUIRED",
            "CURRENCY_MISMATCH"),
        Arguments.of(
            new ChargeOutcome.Unavailable("connection refused"), "RETRY_SCHEDULED", "UNAVAILABLE"));
  }

  @ParameterizedTest
  @MethodSource("outcomes")
  void every_outcome_moves_the_invoice_records_the_attempt_and_writes_history(
      ChargeOutcome outcome, String status, String attemptOutcome) {
    long invoice = enqueuedInvoice();
    provider.then(outcome);

    var result = process(engine, invoice);

    assertThat(result).isInstanceOf(ChargeEngine.Result.Settled.class);
    var row = invoice(invoice);
    assertThat(row.get("status")).isEqualTo(status);
    assertThat(row.get("attempt_count")).isEqualTo(1);
    assertThat(row.get("paid_at") != null).isEqualTo(status.equals("PAID"));
    assertThat(row.get("next_attempt_at") != null).isEqualTo(status.equals("RETRY_SCHEDULED"));
    if (!status.equals("PAID")) {
      assertThat((String) row.get("last_failure")).isNotBlank();
    }
    assertThat(attempts(invoice))
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.get("outcome")).isEqualTo(attemptOutcome);
              assertThat((String) a.get("idempotency_key")).startsWith("inv" + invoice + "-att1-");
              assertThat(a.get("completed_at")).isNotNull();
            });
    var last = history(invoice).getLast();
    assertThat(last)
        .containsEntry("old_status", "PROCESSING")
        .containsEntry("new_status", status)
        .containsEntry("actor", "test-worker");
    assertThat(requests(invoice)).as("the outbox row goes in the same transaction").isZero();
  }

  @Test
  void a_charged_invoice_keeps_the_provider_reference() {
    long invoice = enqueuedInvoice();
    provider.then(new ChargeOutcome.Charged("ch_abc"));
    process(engine, invoice);
    assertThat(attempts(invoice).getFirst()).containsEntry("provider_reference", "ch_abc");
    assertThat((java.sql.Timestamp) invoice(invoice).get("paid_at"))
        .isEqualTo(java.sql.Timestamp.from(clock.instant()));
  }

  @Test
  void an_unknown_result_is_reconciled_with_the_same_key_and_charges_nothing_new() {
    long invoice = enqueuedInvoice();
    provider.then(new ChargeOutcome.Unknown("read timed out"), new ChargeOutcome.Charged("ch_7"));

    var first = process(engine, invoice);
    assertThat(first).isInstanceOf(ChargeEngine.Result.Rescheduled.class);
    assertThat(invoice(invoice))
        .containsEntry("status", "PROCESSING")
        .as("an attempt awaiting reconciliation is not counted yet")
        .containsEntry("attempt_count", 0);
    assertThat(attempts(invoice))
        .singleElement()
        .satisfies(a -> assertThat(a.get("outcome")).isEqualTo("UNKNOWN"));
    assertThat(requests(invoice)).isEqualTo(1);

    var second = process(engine, invoice);
    assertThat(second).isInstanceOf(ChargeEngine.Result.Settled.class);
    assertThat(invoice(invoice)).containsEntry("status", "PAID").containsEntry("attempt_count", 1);
    assertThat(provider.calls()).hasSize(2);
    assertThat(provider.calls().get(1).idempotencyKey())
        .isEqualTo(provider.calls().get(0).idempotencyKey());
    assertThat(attempts(invoice))
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.get("outcome")).isEqualTo("CHARGED");
              assertThat(a.get("calls")).isEqualTo(2);
            });
    assertThat(provider.successfulCharges(invoice)).isEqualTo(1);
  }

  @Test
  void a_provider_outage_while_reconciling_keeps_the_key_and_charges_once() {
    // The first call is processed and charged, but its response is lost (a timeout).
    var gateway =
        new SimulatedPaymentProvider(
            FaultProfile.builder().timeoutRate(1.0).build(), clock, d -> {});
    var engine = engine(gateway);
    long invoice = enqueuedInvoice();
    assertThat(process(engine, invoice)).isInstanceOf(ChargeEngine.Result.Rescheduled.class);

    // The reconciling call meets an outage: that answer says nothing about the first call.
    gateway.outage(true);
    assertThat(process(engine, invoice)).isInstanceOf(ChargeEngine.Result.Rescheduled.class);
    assertThat(invoice(invoice)).containsEntry("status", "PROCESSING");
    assertThat(attempts(invoice))
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.get("outcome")).isEqualTo("UNKNOWN");
              assertThat((String) a.get("detail")).contains("keeping the key");
            });
    assertThat(requests(invoice)).as("the request waits to be reconciled").isEqualTo(1);

    gateway.outage(false);
    assertThat(process(engine, invoice)).isInstanceOf(ChargeEngine.Result.Settled.class);
    assertThat(invoice(invoice)).containsEntry("status", "PAID");
    assertThat(attempts(invoice))
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.get("outcome")).isEqualTo("CHARGED");
              assertThat(a.get("calls")).isEqualTo(3);
            });
    assertThat(gateway.successfulCharges(invoice)).isEqualTo(1);
  }

  @Test
  void an_unavailable_answer_does_not_close_an_attempt_that_a_duplicate_delivery_has_sent_since() {
    long invoice = enqueuedInvoice();
    var pair = duplicateDeliveries(invoice);
    var refused = pair.refused();
    var charged = pair.charged();

    assertThat(engine.record(List.of(refused)).get(invoice))
        .isInstanceOf(ChargeEngine.Result.Stale.class);
    assertThat(invoice(invoice))
        .as("no retry under a new key")
        .containsEntry("status", "PROCESSING");
    assertThat(attempts(invoice))
        .singleElement()
        .satisfies(a -> assertThat(a.get("outcome")).isEqualTo("UNKNOWN"));

    assertThat(engine.record(List.of(charged)).get(invoice))
        .isInstanceOf(ChargeEngine.Result.Settled.class);
    assertThat(invoice(invoice)).containsEntry("status", "PAID");
    assertThat(attempts(invoice))
        .singleElement()
        .satisfies(a -> assertThat(a.get("outcome")).isEqualTo("CHARGED"));
  }

  @Test
  void a_partitioned_worker_healed_after_a_takeover_does_not_release_the_new_holders_request() {
    long invoice = enqueuedInvoice();
    // The zombie opened the attempt and called; its answer was lost (a timeout) while it was cut
    // off.
    var zombie = engine.open(List.of(invoice)).attempts().getFirst();
    provider.then(new ChargeOutcome.Unknown("read timed out"));
    var zombieCall = engine.call(zombie);
    // Its lease expired; worker B claimed the request and sent the same key again (calls 2).
    db.jdbi()
        .useHandle(
            h ->
                h.createUpdate(
                        """
                    with leased as (
                      update invoice set charge_lease_owner = 'worker-b', charge_available_at = now() + interval '1 hour'
                      where id = :invoice)
                    update charge_request set lease_owner = 'worker-b', lease_until = now() + interval '1 hour'
                    where invoice_id = :invoice""")
                    .bind("invoice", invoice)
                    .execute());
    var takeover = engine.open(List.of(invoice)).attempts().getFirst();
    assertThat(takeover.calls()).isEqualTo(2);
    var before = request(invoice);

    // The zombie heals and writes its late deferral.
    engine.record(List.of(zombieCall));

    assertThat(request(invoice))
        .as("B's lease and schedule survive the zombie's late write")
        .isEqualTo(before);
    assertThat(attempts(invoice))
        .singleElement()
        .satisfies(a -> assertThat(a.get("outcome")).isEqualTo("UNKNOWN"));
    // B's call learns the stored result of the key and settles: one charge, nothing left queued.
    assertThat(engine.record(List.of(engine.call(takeover))).get(invoice))
        .isInstanceOf(ChargeEngine.Result.Settled.class);
    assertThat(invoice(invoice)).containsEntry("status", "PAID");
    assertThat(requests(invoice)).isZero();
    assertThat(provider.successfulCharges(invoice)).isEqualTo(1);
  }

  @Test
  void duplicate_results_for_one_attempt_in_one_batch_settle_the_invoice_from_the_one_recorded() {
    long invoice = enqueuedInvoice();
    var pair = duplicateDeliveries(invoice);
    var refused = pair.refused();
    var charged = pair.charged();

    // One recorder batch holds both: the refusal first.
    var results = engine.record(List.of(refused, charged));

    assertThat(results.get(invoice)).isInstanceOf(ChargeEngine.Result.Settled.class);
    assertThat(invoice(invoice))
        .containsEntry("status", "PAID")
        .containsEntry("next_attempt_at", null);
    assertThat(attempts(invoice))
        .singleElement()
        .satisfies(a -> assertThat(a.get("outcome")).isEqualTo("CHARGED"));
    assertThat(requests(invoice)).isZero();
  }

  @Test
  void a_stale_delivery_holds_its_invoice_so_the_retry_task_cannot_enqueue_it_underneath()
      throws Exception {
    long invoice = enqueuedInvoice();
    provider.then(new ChargeOutcome.Unavailable("outage"));
    process(engine, invoice); // RETRY_SCHEDULED, its request deleted
    clock.advance(Duration.ofHours(1));
    var due = new DueInvoices(db.jdbi(), true);
    try (var h = db.jdbi().open()) {
      h.begin();
      // A late duplicate of the old request is opened: the invoice is not PROCESSING, so stale.
      assertThat(engine.open(h, List.of(invoice)).stale()).containsExactly(invoice);
      assertThat(
              Executors.newVirtualThreadPerTaskExecutor()
                  .submit(() -> due.enqueueRetries(clock.instant(), 100))
                  .get())
          .as("the retry task skips the invoice the stale delivery holds")
          .isZero();
      h.commit();
    }
    assertThat(due.enqueueRetries(clock.instant(), 100)).isEqualTo(1);
    assertThat(requests(invoice))
        .as("the retry's request survived the stale delivery")
        .isEqualTo(1);
  }

  @Test
  void a_provider_call_that_throws_ends_the_breakers_trial_call() {
    breaker = new CircuitBreaker(1, Duration.ofSeconds(10), clock);
    engine = engine(provider);
    long invoice = enqueuedInvoice();
    breaker.onFailure();
    clock.advance(Duration.ofSeconds(10)); // half-open: the next call is the trial
    provider.crashAfterProcessing(new IllegalStateException("unexpected 429"));
    var attempt = engine.open(List.of(invoice)).attempts().getFirst();
    assertThatThrownBy(() -> engine.call(attempt)).hasMessageContaining("429");
    assertThat(BreakerState.of(breaker))
        .as("the failed trial reopened the breaker")
        .isEqualTo(BreakerState.OPEN);
    clock.advance(Duration.ofSeconds(10));
    assertThat(breaker.tryAcquire()).as("a new trial is allowed after the cooldown").isEmpty();
  }

  @Test
  void a_first_call_refused_as_unavailable_is_retried_later_with_a_new_key() {
    var gateway = new SimulatedPaymentProvider(FaultProfile.none(), clock, d -> {});
    gateway.outage(true);
    long invoice = enqueuedInvoice();
    process(engine(gateway), invoice);
    // Nothing was processed, so nothing can be charged twice: the invoice waits for its retry.
    assertThat(invoice(invoice)).containsEntry("status", "RETRY_SCHEDULED");
    assertThat(attempts(invoice))
        .singleElement()
        .satisfies(a -> assertThat(a.get("outcome")).isEqualTo("UNAVAILABLE"));
    assertThat(gateway.ledger()).isEmpty();
  }

  @Test
  void a_crash_between_attempt_and_outcome_is_reconciled_without_a_second_charge() {
    long invoice = enqueuedInvoice();
    provider
        .then(new ChargeOutcome.Charged("ch_9"))
        .crashAfterProcessing(new IllegalStateException("worker killed"));

    assertThatThrownBy(() -> process(engine, invoice)).hasMessageContaining("worker killed");
    assertThat(invoice(invoice)).containsEntry("status", "PROCESSING");
    assertThat(attempts(invoice))
        .singleElement()
        .satisfies(a -> assertThat(a.get("outcome")).isEqualTo("UNKNOWN"));

    // The redelivery (another worker, after the lease lapsed) finds the open attempt.
    var redelivered = process(engine(provider), invoice);
    assertThat(redelivered).isInstanceOf(ChargeEngine.Result.Settled.class);
    assertThat(invoice(invoice)).containsEntry("status", "PAID");
    assertThat(provider.calls())
        .extracting(c -> c.idempotencyKey())
        .containsOnly(provider.calls().getFirst().idempotencyKey());
    assertThat(provider.successfulCharges(invoice)).isEqualTo(1);
  }

  @Test
  void declines_follow_the_dunning_schedule_then_the_invoice_is_uncollectible() {
    long invoice = enqueuedInvoice();
    var due = new DueInvoices(db.jdbi(), true);
    for (int i = 0; i < 4; i++) {
      provider.then(new ChargeOutcome.Declined("insufficient_funds"));
    }
    var expectedWaits = List.of(Duration.ofDays(1), Duration.ofDays(3), Duration.ofDays(7));
    for (var wait : expectedWaits) {
      process(engine, invoice);
      var row = invoice(invoice);
      assertThat(row.get("status")).isEqualTo("RETRY_SCHEDULED");
      var next = ((java.sql.Timestamp) row.get("next_attempt_at")).toInstant();
      assertThat(next).isEqualTo(clock.instant().plus(wait));

      clock.set(next.minusSeconds(1));
      assertThat(due.enqueueRetries(clock.instant(), 100)).as("not before its time").isZero();
      clock.set(next);
      assertThat(due.enqueueRetries(clock.instant(), 100)).isEqualTo(1);
    }
    process(engine, invoice);
    assertThat(invoice(invoice))
        .containsEntry("status", "UNCOLLECTIBLE")
        .containsEntry("attempt_count", 4);
    assertThat(attempts(invoice))
        .extracting(a -> a.get("outcome"))
        .containsOnly("DECLINED")
        .hasSize(4);
    assertThat(attempts(invoice)).extracting(a -> a.get("idempotency_key")).doesNotHaveDuplicates();
  }

  @Test
  void a_request_for_an_invoice_no_longer_processing_is_stale_and_calls_nobody() {
    long invoice = enqueuedInvoice();
    db.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "update invoice set status = 'VOID', status_reason = 'voided' where id = ?",
                    invoice));
    assertThat(process(engine, invoice)).isInstanceOf(ChargeEngine.Result.Stale.class);
    assertThat(provider.calls()).isEmpty();
    assertThat(requests(invoice)).isZero();
  }

  @Test
  void
      an_attempt_completed_after_its_invoice_left_processing_counts_so_the_next_attempt_is_numbered_after_it() {
    long invoice = enqueuedInvoice();
    var attempt = engine.open(List.of(invoice)).attempts().getFirst();
    // An operator takes the invoice out of PROCESSING while its call is in flight.
    db.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "update invoice set status = 'ACTION_REQUIRED', status_reason = 'on hold' where id = ?",
                    invoice));
    provider.then(new ChargeOutcome.Declined("insufficient_funds"));
    var late = engine.record(List.of(engine.call(attempt)));

    assertThat(late.get(invoice)).isNotInstanceOf(ChargeEngine.Result.Settled.class);
    assertThat(invoice(invoice))
        .containsEntry("status", "ACTION_REQUIRED")
        .containsEntry("status_reason", "on hold")
        .containsEntry("attempt_count", 1);
    long historyBefore = history(invoice).size();

    // Back to PROCESSING with a new request: the next attempt is number 2.
    db.jdbi()
        .useHandle(
            h -> {
              h.execute(
                  "update invoice set status = 'PROCESSING', status_reason = 'released', charge_available_at = charon_now() where id = ?",
                  invoice);
              // The first request is still there: its delivery's result did not settle it.
              h.execute(
                  "insert into charge_request (invoice_id) values (?) on conflict do nothing",
                  invoice);
            });
    provider.then(new ChargeOutcome.Charged("ch_2"));
    assertThat(process(engine, invoice)).isInstanceOf(ChargeEngine.Result.Settled.class);

    assertThat(attempts(invoice))
        .extracting(a -> a.get("attempt_no"), a -> a.get("outcome"))
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1, "DECLINED"),
            org.assertj.core.groups.Tuple.tuple(2, "CHARGED"));
    assertThat(invoice(invoice)).containsEntry("status", "PAID").containsEntry("attempt_count", 2);
    assertThat(history(invoice)).hasSize((int) historyBefore + 2); // released, then paid
  }

  @Test
  void concurrent_deliveries_of_one_request_charge_once() throws Exception {
    long invoice = enqueuedInvoice();
    try (var pool = Executors.newFixedThreadPool(4)) {
      List<Future<ChargeEngine.Result>> results =
          pool.invokeAll(
              List.of(
                  () -> process(engine, invoice),
                  () -> process(engine(provider), invoice),
                  () -> process(engine(provider), invoice),
                  () -> process(engine(provider), invoice)));
      long settled = 0;
      for (var r : results) {
        if (r.get() instanceof ChargeEngine.Result.Settled) {
          settled++;
        }
      }
      assertThat(settled).isEqualTo(1);
    }
    assertThat(invoice(invoice)).containsEntry("status", "PAID");
    assertThat(provider.successfulCharges(invoice)).isEqualTo(1);
    assertThat(history(invoice)).filteredOn(h -> "PAID".equals(h.get("new_status"))).hasSize(1);
  }

  @Test
  void an_open_breaker_reschedules_without_calling_the_provider() {
    breaker = new CircuitBreaker(2, Duration.ofSeconds(30), clock);
    engine = engine(provider);
    long a = enqueuedInvoice();
    long b = enqueuedInvoice();
    long c = enqueuedInvoice();
    provider.then(new ChargeOutcome.Unavailable("down"), new ChargeOutcome.Unavailable("down"));
    process(engine, a);
    process(engine, b);
    var result = process(engine, c);
    assertThat(result)
        .isInstanceOfSatisfying(
            ChargeEngine.Result.Rescheduled.class,
            r -> assertThat(r.at()).isEqualTo(clock.instant().plusSeconds(30)));
    assertThat(provider.calls()).hasSize(2);
    assertThat(attempts(c)).isEmpty();
    assertThat(invoice(c)).containsEntry("status", "PROCESSING");
  }

  private long enqueuedInvoice() {
    long customer = fixtures.customer(Currency.EUR);
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

  private record DuplicatePair(ChargeEngine.Call refused, ChargeEngine.Call charged) {}

  /**
   * Two deliveries of one request (a broker redelivery) open the same attempt and key; the first
   * call is refused before processing, the duplicate's call with the same key is charged.
   */
  private DuplicatePair duplicateDeliveries(long invoice) {
    var first = engine.open(List.of(invoice)).attempts().getFirst();
    var second = engine.open(List.of(invoice)).attempts().getFirst();
    assertThat(second.idempotencyKey()).isEqualTo(first.idempotencyKey());
    provider.then(
        new ChargeOutcome.Unavailable("network error before processing"),
        new ChargeOutcome.Charged("ch_dup"));
    return new DuplicatePair(engine.call(first), engine.call(second));
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

  private Map<String, Object> request(long invoiceId) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        """
                        select i.charge_lease_owner, i.charge_available_at,
                               r.lease_owner, r.lease_until, r.available_at, r.published_at
                        from invoice i left join charge_request r on r.invoice_id = i.id
                        where i.id = :id""")
                    .bind("id", invoiceId)
                    .mapToMap()
                    .one());
  }

  /**
   * Whether the invoice is offered for charging (1) or not (0): on its own row, what the table
   * intake claims, and as its charge_request row, what the RabbitMQ intake publishes. These tests
   * produce both, and the two must agree.
   */
  private long requests(long id) {
    var offer =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            """
                            select (i.charge_available_at is not null) as offered,
                                   (select count(*) from charge_request r where r.invoice_id = i.id) as rows
                            from invoice i where i.id = :id""")
                        .bind("id", id)
                        .mapToMap()
                        .one());
    long rows = ((Number) offer.get("rows")).longValue();
    assertThat(rows)
        .as("invoice %d's charge_request rows agree with its own offer", id)
        .isEqualTo(Boolean.TRUE.equals(offer.get("offered")) ? 1L : 0L);
    return rows;
  }

  static LocalDate unused() {
    return LocalDate.MIN;
  }
}
