package dev.charon.credit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.testing.Fixtures;
import dev.charon.testing.Http;
import dev.charon.testing.MutableClock;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Credit notes: numbered without gaps, immutable, and a credit lands on the credit balance. */
class CreditNoteTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static final MutableClock clock = new MutableClock(Instant.parse("2026-11-20T10:00:00Z"));
  static TestApi api;
  static Http operator;

  private final Fixtures fixtures = new Fixtures(db.jdbi());
  private final CreditNotes notes = new CreditNotes(db.jdbi(), new SimpleMeterRegistry());

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

  @Test
  void a_credit_is_a_numbered_note_on_the_invoice_and_goes_to_the_credit_balance() {
    long customer = fixtures.customer(Currency.EUR);
    long invoice =
        fixtures.invoice().forCustomer(customer).amount(20_00).status(InvoiceStatus.PAID).create();

    var created =
        operator.post(
            "/rest/v1/invoices/" + invoice + "/credit-notes",
            "{\"amount\":{\"value\":\"7.50\",\"currency\":\"EUR\"},\"reason\":\"goodwill\"}");

    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.json().get("number").asText()).matches("CN-\\d{4}-000001");
    assertThat(created.json().get("kind").asText()).isEqualTo("CREDIT");
    assertThat(created.json().get("refundId").isNull()).isTrue();
    var balance = operator.get("/rest/v1/customers/" + customer + "/credit-balance").json();
    assertThat(balance).hasSize(1);
    assertThat(balance.get(0).get("minorUnits").asLong()).isEqualTo(7_50);
    assertThat(balance.get(0).get("currency").asText()).isEqualTo("EUR");
    assertThat(operator.get("/rest/v1/invoices/" + invoice + "/credit-notes").json()).hasSize(1);
    assertThat(operator.get("/rest/v1/credit-notes?customerId=" + customer).json()).hasSize(1);
    assertThat(ledgerSum(customer)).isEqualTo(7_50);
    var events =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "select count(*) from event_outbox where type = 'credit_note.created'")
                        .mapTo(Long.class)
                        .one());
    assertThat(events).isEqualTo(1);
  }

  @Test
  void credits_beyond_the_invoice_or_in_another_currency_are_refused_and_change_nothing() {
    long invoice = fixtures.invoice().amount(20_00).status(InvoiceStatus.PAID).create();
    long voided = fixtures.invoice().amount(20_00).status(InvoiceStatus.VOID).create();
    var path = "/rest/v1/invoices/" + invoice + "/credit-notes";

    var over =
        operator.post(
            path, "{\"amount\":{\"value\":\"20.01\",\"currency\":\"EUR\"},\"reason\":\"x\"}");
    var other =
        operator.post(
            path, "{\"amount\":{\"value\":\"1.00\",\"currency\":\"USD\"},\"reason\":\"x\"}");
    var onVoid =
        operator.post(
            "/rest/v1/invoices/" + voided + "/credit-notes",
            "{\"amount\":{\"value\":\"1.00\",\"currency\":\"EUR\"},\"reason\":\"x\"}");
    var noAmount = operator.post(path, "{\"reason\":\"x\"}");

    assertThat(over.status()).isEqualTo(422);
    assertThat(other.status()).isEqualTo(422);
    assertThat(onVoid.status()).isEqualTo(422);
    assertThat(noAmount.status()).isEqualTo(400);
    assertThat(count("credit_note")).isZero();
    assertThat(count("credit_ledger")).isZero();
    assertThat(count("credit_note_counter")).isZero();
  }

  @Test
  void a_credit_note_can_be_neither_changed_nor_deleted() {
    long invoice = fixtures.invoice().amount(20_00).status(InvoiceStatus.PAID).create();
    var note =
        db.jdbi()
            .inTransaction(
                h -> notes.credit(h, invoice, Money.ofMinor(1_00, Currency.EUR), "x", "t"));

    assertThatThrownBy(
            () ->
                db.jdbi()
                    .useHandle(
                        h ->
                            h.execute(
                                "update credit_note set amount_minor = 1 where id = ?", note.id())))
        .hasMessageContaining("append-only");
    assertThatThrownBy(
            () ->
                db.jdbi()
                    .useHandle(h -> h.execute("delete from credit_note where id = ?", note.id())))
        .hasMessageContaining("append-only");
  }

  @Test
  void numbers_are_gapless_and_unique_under_eight_concurrent_creators() throws Exception {
    long invoice = fixtures.invoice().amount(1_000_00).status(InvoiceStatus.PAID).create();
    var barrier = new CyclicBarrier(8);
    var creators = new ArrayList<Callable<Integer>>();
    for (int c = 0; c < 8; c++) {
      int creator = c;
      creators.add(
          () -> {
            barrier.await();
            int kept = 0;
            for (int i = 0; i < 10; i++) {
              // Every third note of a creator is rolled back after it took its number: the number
              // must go back, not leave a gap.
              boolean rollBack = (creator + i) % 3 == 0;
              try {
                db.jdbi()
                    .useTransaction(
                        h -> {
                          notes.credit(h, invoice, Money.ofMinor(1_00, Currency.EUR), "n", "t");
                          if (rollBack) {
                            throw new IllegalStateException("rolled back on purpose");
                          }
                        });
                kept++;
              } catch (IllegalStateException expected) {
                // the transaction rolled back
              }
            }
            return kept;
          });
    }
    int kept = 0;
    try (var pool = Executors.newFixedThreadPool(8)) {
      for (var f : pool.invokeAll(creators)) {
        kept += f.get();
      }
    }
    List<Integer> seqs =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery("select seq from credit_note order by seq")
                        .mapTo(Integer.class)
                        .list());
    List<String> numbers =
        db.jdbi()
            .withHandle(
                h -> h.createQuery("select number from credit_note").mapTo(String.class).list());
    assertThat(kept).isBetween(40, 60);
    assertThat(seqs).containsExactlyElementsOf(IntStream.rangeClosed(1, kept).boxed().toList());
    assertThat(numbers).doesNotHaveDuplicates().hasSize(kept);
    assertThat(ledgerSum(fixtures.customer(Currency.EUR))).isZero();
  }

  private long ledgerSum(long customer) {
    return db.jdbi()
        .withHandle(
            h -> {
              long sum =
                  h.createQuery(
                          "select coalesce(sum(amount_minor), 0) from credit_ledger where customer_id = :c")
                      .bind("c", customer)
                      .mapTo(Long.class)
                      .one();
              long balance =
                  h.createQuery(
                          "select coalesce(sum(balance_minor), 0) from credit_balance where customer_id = :c")
                      .bind("c", customer)
                      .mapTo(Long.class)
                      .one();
              assertThat(balance).as("the balance row is the ledger's sum").isEqualTo(sum);
              return sum;
            });
  }

  private long count(String table) {
    return db.jdbi()
        .withHandle(h -> h.createQuery("select count(*) from " + table).mapTo(Long.class).one());
  }
}
