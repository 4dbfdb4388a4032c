package dev.charon.refund;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.testing.Fixtures;
import dev.charon.testing.Http;
import dev.charon.testing.MutableClock;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code POST /rest/v1/invoices/{id}/refunds} and the refund lists: what a request reserves. */
class RefundApiTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static final MutableClock clock = new MutableClock(Instant.parse("2026-11-20T10:00:00Z"));
  static TestApi api;
  static Http operator;

  private final Fixtures fixtures = new Fixtures(db.jdbi());

  @BeforeAll
  static void start() {
    api = TestApi.start(db.jdbi(), clock);
    operator = api.operator();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  @BeforeEach
  void clean() {
    db.clean();
  }

  private long paidInvoice(long amountMinor) {
    return fixtures.invoice().amount(amountMinor).status(InvoiceStatus.PAID).create();
  }

  private Http.Response refund(long invoice, String body) {
    return operator.post("/rest/v1/invoices/" + invoice + "/refunds", body);
  }

  @Test
  void a_partial_refund_is_reserved_with_its_number_and_key_before_any_provider_call() {
    long invoice = paidInvoice(20_00);

    var created =
        refund(
            invoice,
            "{\"amount\":{\"value\":\"5.00\",\"currency\":\"EUR\"},\"reason\":\"broken\"}");

    assertThat(created.status()).as(created.body()).isEqualTo(201);
    var body = created.json();
    assertThat(created.header("Location")).isEqualTo("/rest/v1/refunds/" + body.get("id").asLong());
    assertThat(body.get("status").asText()).isEqualTo("REQUESTED");
    assertThat(body.get("refundNo").asInt()).isEqualTo(1);
    assertThat(body.get("amount").get("minorUnits").asLong()).isEqualTo(5_00);
    assertThat(body.get("idempotencyKey").asText()).startsWith("inv" + invoice + "-ref1-");
    assertThat(body.get("actor").asText()).isEqualTo("api-key:test-operator");
    assertThat(body.get("calls").asInt()).isZero();
    var second =
        refund(
            invoice, "{\"amount\":{\"value\":\"1.00\",\"currency\":\"EUR\"},\"reason\":\"more\"}");
    assertThat(second.json().get("refundNo").asInt()).isEqualTo(2);
    assertThat(operator.get("/rest/v1/invoices/" + invoice + "/refunds").json()).hasSize(2);
    assertThat(operator.get("/rest/v1/refunds?invoiceId=" + invoice + "&status=requested").json())
        .hasSize(2);
    assertThat(
            operator
                .get("/rest/v1/refunds/" + body.get("id").asLong())
                .json()
                .get("reason")
                .asText())
        .isEqualTo("broken");
  }

  @Test
  void without_an_amount_everything_refundable_is_refunded_and_then_nothing_remains() {
    long invoice = paidInvoice(20_00);
    assertThat(
            refund(
                    invoice,
                    "{\"amount\":{\"value\":\"5.00\",\"currency\":\"EUR\"},\"reason\":\"a\"}")
                .status())
        .isEqualTo(201);

    var rest = refund(invoice, "{\"reason\":\"the rest\"}");

    assertThat(rest.status()).as(rest.body()).isEqualTo(201);
    assertThat(rest.json().get("amount").get("minorUnits").asLong()).isEqualTo(15_00);
    var none = refund(invoice, "{\"reason\":\"again\"}");
    assertThat(none.status()).isEqualTo(422);
    assertThat(none.contentType()).startsWith("application/problem+json");
    assertThat(none.json().get("detail").asText()).contains("remains refundable");
  }

  @Test
  void bad_refunds_are_problems_that_change_nothing() {
    long invoice = paidInvoice(20_00);
    long pending = fixtures.invoice().amount(20_00).create();
    long version = version(invoice);

    var over =
        refund(invoice, "{\"amount\":{\"value\":\"20.01\",\"currency\":\"EUR\"},\"reason\":\"x\"}");
    var currency =
        refund(invoice, "{\"amount\":{\"value\":\"1.00\",\"currency\":\"USD\"},\"reason\":\"x\"}");
    var unpaid = refund(pending, "{\"reason\":\"x\"}");
    var noReason = refund(invoice, "{\"amount\":{\"value\":\"1.00\",\"currency\":\"EUR\"}}");
    var negative =
        refund(invoice, "{\"amount\":{\"value\":\"-1.00\",\"currency\":\"EUR\"},\"reason\":\"x\"}");
    var extraDecimals =
        refund(invoice, "{\"amount\":{\"value\":\"1.001\",\"currency\":\"EUR\"},\"reason\":\"x\"}");
    var unknownField = refund(invoice, "{\"reason\":\"x\",\"force\":true}");
    var unknownInvoice = refund(999_999, "{\"reason\":\"x\"}");

    assertThat(over.status()).isEqualTo(422);
    assertThat(over.json().get("detail").asText()).contains("more than the 20.00 EUR");
    assertThat(currency.status()).isEqualTo(422);
    assertThat(currency.body()).contains("amount.currency");
    assertThat(unpaid.status()).isEqualTo(422);
    assertThat(unpaid.json().get("detail").asText()).contains("is PENDING");
    for (var bad : java.util.List.of(noReason, negative, extraDecimals, unknownField)) {
      assertThat(bad.status()).as(bad.body()).isEqualTo(400);
      assertThat(bad.contentType()).startsWith("application/problem+json");
    }
    assertThat(unknownInvoice.status()).isEqualTo(404);
    assertThat(count("refund")).isZero();
    assertThat(version(invoice)).isEqualTo(version);
  }

  @Test
  void a_repeated_idempotency_key_replays_the_first_refund_and_reserves_once() {
    long invoice = paidInvoice(20_00);
    var keyed = operator.withHeader("Idempotency-Key", "refund-once-1");
    var body = "{\"amount\":{\"value\":\"5.00\",\"currency\":\"EUR\"},\"reason\":\"once\"}";

    var first = keyed.post("/rest/v1/invoices/" + invoice + "/refunds", body);
    var again = keyed.post("/rest/v1/invoices/" + invoice + "/refunds", body);

    assertThat(first.status()).isEqualTo(201);
    assertThat(again.status()).isEqualTo(201);
    assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
    assertThat(again.json().get("id")).isEqualTo(first.json().get("id"));
    assertThat(count("refund")).isEqualTo(1);
  }

  @Test
  void ten_concurrent_refunds_of_thirty_percent_reserve_at_most_the_paid_amount() throws Exception {
    long invoice = paidInvoice(100_00);
    var barrier = new CyclicBarrier(10);
    var calls = new ArrayList<Callable<Integer>>();
    for (int i = 0; i < 10; i++) {
      calls.add(
          () -> {
            barrier.await();
            return refund(
                    invoice,
                    "{\"amount\":{\"value\":\"30.00\",\"currency\":\"EUR\"},\"reason\":\"race\"}")
                .status();
          });
    }
    try (var pool = Executors.newFixedThreadPool(10)) {
      var statuses = new ArrayList<Integer>();
      for (var f : pool.invokeAll(calls)) {
        statuses.add(f.get());
      }
      assertThat(statuses).filteredOn(s -> s == 201).hasSize(3);
      assertThat(statuses).filteredOn(s -> s == 422).hasSize(7);
    }
    long reserved =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery("select sum(amount_minor) from refund where invoice_id = :i")
                        .bind("i", invoice)
                        .mapTo(Long.class)
                        .one());
    assertThat(reserved).isEqualTo(90_00);
    String numbers =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "select array_agg(refund_no order by refund_no)::text from refund")
                        .mapTo(String.class)
                        .one());
    assertThat(numbers).isEqualTo("{1,2,3}");
  }

  private long version(long invoice) {
    return operator.get("/rest/v1/invoices/" + invoice).json().get("version").asLong();
  }

  private long count(String table) {
    return db.jdbi()
        .withHandle(h -> h.createQuery("select count(*) from " + table).mapTo(Long.class).one());
  }
}
