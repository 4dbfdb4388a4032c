package dev.charon.credit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.charging.ChargeEngine;
import dev.charon.charging.ChargeWorker;
import dev.charon.charging.Intake;
import dev.charon.clock.DatabaseClock;
import dev.charon.money.Currency;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.testing.ChargeFixtures;
import dev.charon.testing.Fixtures;
import dev.charon.testing.Http;
import dev.charon.testing.ScriptedProvider;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A credit balance is consumed by the customer's next subscription invoice, on the test clock,
 * once: at the invoice's production, never again by the retries of its charge.
 */
class CreditBalanceBillingTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  private final Fixtures fixtures = new Fixtures(db.jdbi());

  @BeforeEach
  void setUp() {
    db.clean();
    db.jdbi().useHandle(h -> h.execute("delete from api_key"));
  }

  @Test
  void
      the_next_periods_invoice_consumes_the_credit_first_and_a_wholly_credited_one_is_never_charged() {
    var provider = new ScriptedProvider();
    try (var billing = new Billing(provider)) {
      var operator = billing.api.operator();
      long wholly = fixtures.customer(Currency.EUR);
      long partly = fixtures.customer(Currency.EUR);
      subscribe(operator, wholly);
      subscribe(operator, partly);
      assertThat(operator.post("/rest/v1/test-clock", "{\"at\":\"2025-12-31T22:00:00Z\"}").status())
          .isEqualTo(200);
      advance(operator, "2026-01-15T00:00:00Z");
      assertThat(provider.calls()).hasSize(2);

      credit(operator, invoiceOf(wholly, "2026-01"), "19.00");
      credit(operator, invoiceOf(partly, "2026-01"), "10.00");
      advance(operator, "2026-02-15T00:00:00Z");

      long whollyFeb = invoiceOf(wholly, "2026-02");
      long partlyFeb = invoiceOf(partly, "2026-02");
      var paidByCredit = operator.get("/rest/v1/invoices/" + whollyFeb).json();
      assertThat(paidByCredit.get("status").asText()).isEqualTo("PAID");
      assertThat(paidByCredit.get("creditedMinor").asLong()).isEqualTo(19_00);
      assertThat(paidByCredit.get("attemptCount").asInt()).isZero();
      assertThat(provider.calls()).noneMatch(c -> c.invoiceId() == whollyFeb);
      var history = operator.get("/rest/v1/invoices/" + whollyFeb + "/history").json();
      assertThat(history.get(history.size() - 1).get("reason").asText())
          .contains("paid by credit balance")
          .contains("no provider call");
      assertThat(history.get(history.size() - 1).get("actor").asText()).isEqualTo("billing-run");

      var partlyCredited = operator.get("/rest/v1/invoices/" + partlyFeb).json();
      assertThat(partlyCredited.get("status").asText()).isEqualTo("PAID");
      assertThat(partlyCredited.get("creditedMinor").asLong()).isEqualTo(10_00);
      assertThat(provider.calls())
          .filteredOn(c -> c.invoiceId() == partlyFeb)
          .singleElement()
          .satisfies(c -> assertThat(c.amount().minorUnits()).isEqualTo(9_00));
      var partlyHistory =
          operator.get("/rest/v1/invoices/" + partlyFeb + "/history").json().toString();
      assertThat(partlyHistory).contains("credit balance applied (1000 minor units); 900 left");

      for (long customer : new long[] {wholly, partly}) {
        var balance = operator.get("/rest/v1/customers/" + customer + "/credit-balance").json();
        assertThat(balance.get(0).get("minorUnits").asLong()).isZero();
      }
      assertThat(provider.calls()).hasSize(3);
    }
  }

  @Test
  void retries_of_a_declined_charge_charge_the_same_rest_and_consume_no_credit_again() {
    var provider = new ScriptedProvider();
    try (var billing = new Billing(provider)) {
      var operator = billing.api.operator();
      long customer = fixtures.customer(Currency.EUR);
      subscribe(operator, customer);
      assertThat(operator.post("/rest/v1/test-clock", "{\"at\":\"2025-12-31T22:00:00Z\"}").status())
          .isEqualTo(200);
      advance(operator, "2026-01-15T00:00:00Z");
      credit(operator, invoiceOf(customer, "2026-01"), "10.00");

      // February's invoice takes the 10.00 at production; the 9.00 left is declined.
      provider.then(new ChargeOutcome.Declined("insufficient funds"));
      advance(operator, "2026-02-01T06:00:00Z");
      long february = invoiceOf(customer, "2026-02");
      var declined = operator.get("/rest/v1/invoices/" + february).json();
      assertThat(declined.get("status").asText()).isEqualTo("RETRY_SCHEDULED");
      assertThat(declined.get("creditedMinor").asLong()).isEqualTo(10_00);

      // New credit during dunning waits for the next production; the retries do not take it.
      credit(operator, invoiceOf(customer, "2026-01"), "5.00");
      advance(operator, "2026-02-15T00:00:00Z");

      var paid = operator.get("/rest/v1/invoices/" + february).json();
      assertThat(paid.get("status").asText()).isEqualTo("PAID");
      assertThat(paid.get("creditedMinor").asLong()).isEqualTo(10_00);
      assertThat(provider.calls())
          .filteredOn(c -> c.invoiceId() == february)
          .hasSize(2)
          .allSatisfy(c -> assertThat(c.amount().minorUnits()).isEqualTo(9_00));
      assertThat(consumedBy(february)).containsExactly(-10_00L);
      var balance = operator.get("/rest/v1/customers/" + customer + "/credit-balance").json();
      assertThat(balance.get(0).get("minorUnits").asLong()).isEqualTo(5_00);

      advance(operator, "2026-03-02T00:00:00Z");
      long march = invoiceOf(customer, "2026-03");
      assertThat(operator.get("/rest/v1/invoices/" + march).json().get("creditedMinor").asLong())
          .isEqualTo(5_00);
      assertThat(consumedBy(february)).containsExactly(-10_00L);
      assertThat(consumedBy(march)).containsExactly(-5_00L);
    }
  }

  /** The API on the database clock and a worker charging through {@code provider}. */
  private static final class Billing implements AutoCloseable {
    final TestApi api;
    final ChargeWorker worker;

    Billing(ScriptedProvider provider) {
      var clock = new DatabaseClock(db.jdbi(), Clock.systemUTC(), Duration.ofMillis(50));
      var metrics = new SimpleMeterRegistry();
      var engine =
          new ChargeEngine(
              db.jdbi(),
              provider,
              ChargeFixtures.policy(),
              ChargeFixtures.breaker(clock),
              clock,
              "w1",
              metrics);
      api = TestApi.start(db.jdbi(), new dev.charon.clock.ClockMode.DatabaseTime(clock));
      worker =
          new ChargeWorker(
                  Intake.table(
                      db.jdbi(), engine, "w1", Duration.ofSeconds(30), Duration.ofMillis(5)),
                  engine,
                  4,
                  metrics)
              .start();
    }

    @Override
    public void close() {
      worker.close();
      api.close();
    }
  }

  @Test
  void voiding_a_partly_credited_invoice_gives_its_credit_back_to_the_balance() {
    var provider = new ScriptedProvider();
    try (var billing = new Billing(provider)) {
      var operator = billing.api.operator();
      long customer = fixtures.customer(Currency.EUR);
      subscribe(operator, customer);
      assertThat(operator.post("/rest/v1/test-clock", "{\"at\":\"2025-12-31T22:00:00Z\"}").status())
          .isEqualTo(200);
      advance(operator, "2026-01-15T00:00:00Z");
      credit(operator, invoiceOf(customer, "2026-01"), "10.00");
      provider.then(new ChargeOutcome.Declined("insufficient funds"));
      advance(operator, "2026-02-01T06:00:00Z");
      long february = invoiceOf(customer, "2026-02");
      assertThat(operator.get("/rest/v1/invoices/" + february).json().get("creditedMinor").asLong())
          .isEqualTo(10_00);

      var voided =
          operator.post("/rest/v1/invoices/" + february + "/void", "{\"reason\":\"cancelled\"}");

      assertThat(voided.status()).as(voided.body()).isEqualTo(200);
      assertThat(voided.json().get("status").asText()).isEqualTo("VOID");
      assertThat(voided.json().get("creditedMinor").asLong()).isZero();
      var balance = operator.get("/rest/v1/customers/" + customer + "/credit-balance").json();
      assertThat(balance.get(0).get("minorUnits").asLong()).isEqualTo(10_00);
      var history = operator.get("/rest/v1/invoices/" + february + "/history").json();
      var last = history.get(history.size() - 1);
      assertThat(last.get("newStatus").asText()).isEqualTo("VOID");
      assertThat(last.get("actor").asText()).isEqualTo("api-key:test-operator");
      java.util.List<Long> ledger =
          db.jdbi()
              .withHandle(
                  h ->
                      h.createQuery(
                              "select amount_minor from credit_ledger where invoice_id = :i order by id")
                          .bind("i", february)
                          .mapTo(Long.class)
                          .list());
      assertThat(ledger).containsExactly(-10_00L, 10_00L);

      // The next invoice takes it, as any credit.
      advance(operator, "2026-03-02T00:00:00Z");
      assertThat(
              operator
                  .get("/rest/v1/invoices/" + invoiceOf(customer, "2026-03"))
                  .json()
                  .get("creditedMinor")
                  .asLong())
          .isEqualTo(10_00);
    }
  }

  private java.util.List<Long> consumedBy(long invoice) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "select amount_minor from credit_ledger where invoice_id = :i and amount_minor < 0")
                    .bind("i", invoice)
                    .mapTo(Long.class)
                    .list());
  }

  private static void subscribe(Http operator, long customer) {
    var sub =
        operator.post(
            "/rest/v1/customers/" + customer + "/subscriptions",
            "{\"amount\":{\"value\":\"19.00\",\"currency\":\"EUR\"},\"startDate\":\"2026-01-01\"}");
    assertThat(sub.status()).as(sub.body()).isEqualTo(201);
  }

  private static void advance(Http operator, String to) {
    var advanced = operator.post("/rest/v1/test-clock/advance", "{\"to\":\"" + to + "\"}");
    assertThat(advanced.status()).as(advanced.body()).isEqualTo(200);
  }

  private static void credit(Http operator, long invoice, String value) {
    var note =
        operator.post(
            "/rest/v1/invoices/" + invoice + "/credit-notes",
            "{\"amount\":{\"value\":\""
                + value
                + "\",\"currency\":\"EUR\"},\"reason\":\"goodwill\"}");
    assertThat(note.status()).as(note.body()).isEqualTo(201);
  }

  private long invoiceOf(long customer, String period) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "select id from invoice where customer_id = :c and billing_period = :p")
                    .bind("c", customer)
                    .bind("p", period)
                    .mapTo(Long.class)
                    .one());
  }
}
