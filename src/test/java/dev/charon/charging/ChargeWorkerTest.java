package dev.charon.charging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.charging.domain.ChargePolicy;
import dev.charon.money.Currency;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.testing.CapturedLogs;
import dev.charon.testing.ChargeFixtures;
import dev.charon.testing.ChargeOnlyProvider;
import dev.charon.testing.Fixtures;
import dev.charon.testing.MutableClock;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The worker loop over the PostgreSQL transport: what it does with the engine's results. */
class ChargeWorkerTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  private final Fixtures fixtures = new Fixtures(db.jdbi());
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-01T00:00:00Z"));
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private final ChargePolicy policy = ChargeFixtures.policy();

  @BeforeEach
  void setUp() {
    db.clean();
  }

  @Test
  void
      every_recorded_result_is_counted_by_decision_and_logged_with_its_invoice_and_attempt_in_mdc() {
    long paid = enqueuedInvoice(4_200);
    long declined = enqueuedInvoice(4_300);
    long unknownCustomer = enqueuedInvoice(4_400);
    var outcomes =
        Map.<Long, ChargeOutcome>of(
            4_200L, new ChargeOutcome.Charged("ch_1"),
            4_300L, new ChargeOutcome.Declined("insufficient_funds"),
            4_400L, new ChargeOutcome.CustomerNotFound("cus_x"));
    var mdcSeenByProvider = new ConcurrentHashMap<Long, Map<String, String>>();
    var engine =
        new ChargeEngine(
            db.jdbi(),
            ChargeOnlyProvider.of(
                request -> {
                  mdcSeenByProvider.put(request.invoiceId(), org.slf4j.MDC.getCopyOfContextMap());
                  return outcomes.get(request.amount().minorUnits());
                }),
            policy,
            ChargeFixtures.breaker(clock),
            clock,
            "test-worker",
            metrics);

    try (var logs = new CapturedLogs(ChargeBooks.class)) {
      var intake =
          Intake.table(
              db.jdbi(), engine, "test-worker", Duration.ofSeconds(60), Duration.ofMillis(20));
      try (var worker = new ChargeWorker(intake, engine, 2, metrics).start()) {
        await().atMost(Duration.ofSeconds(20)).until(() -> recorded("settled") == 3);
      }

      assertThat(recorded("settled", "paid")).isEqualTo(1);
      assertThat(recorded("settled", "retry_scheduled")).isEqualTo(1);
      assertThat(recorded("settled", "action_required")).isEqualTo(1);
      for (long invoice : List.of(paid, declined, unknownCustomer)) {
        long attempt = attemptOf(invoice);
        var lines =
            logs.events().stream()
                .filter(e -> e.getFormattedMessage().startsWith("invoice " + invoice + " attempt"))
                .toList();
        assertThat(lines)
            .as("invoice %d", invoice)
            .singleElement()
            .satisfies(
                e ->
                    assertThat(e.getMDCPropertyMap())
                        .containsEntry("invoiceId", Long.toString(invoice))
                        .containsEntry("attemptId", Long.toString(attempt)));
        assertThat(mdcSeenByProvider.get(invoice))
            .containsEntry("invoiceId", Long.toString(invoice))
            .containsEntry("attemptId", Long.toString(attempt));
      }
    }
  }

  private double recorded(String result) {
    return metrics.find("charon.charges.recorded").tag("result", result).counters().stream()
        .mapToDouble(c -> c.count())
        .sum();
  }

  private double recorded(String result, String decision) {
    var counter =
        metrics
            .find("charon.charges.recorded")
            .tag("result", result)
            .tag("decision", decision)
            .counter();
    return counter == null ? 0 : counter.count();
  }

  private long enqueuedInvoice(long amountMinor) {
    long customer = fixtures.customer(Currency.EUR);
    long id =
        fixtures
            .invoice()
            .forCustomer(customer)
            .amount(amountMinor)
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

  private long attemptOf(long invoice) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select id from charge_attempt where invoice_id = :id")
                    .bind("id", invoice)
                    .mapTo(Long.class)
                    .one());
  }
}
