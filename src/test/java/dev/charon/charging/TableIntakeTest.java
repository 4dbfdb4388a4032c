package dev.charon.charging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.testing.ChargeFixtures;
import dev.charon.testing.ChargeRequests;
import dev.charon.testing.MutableClock;
import dev.charon.testing.ScriptedProvider;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The table intake claims waiting invoices and opens their attempts in one transaction. */
class TableIntakeTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-01T00:00:00Z"));
  private final ChargeEngine engine =
      new ChargeEngine(
          db.jdbi(),
          new ScriptedProvider(),
          ChargeFixtures.policy(),
          ChargeFixtures.breaker(clock),
          clock,
          "test-worker",
          new SimpleMeterRegistry());
  private ChargeRequests requests;

  @BeforeEach
  void setUp() {
    db.clean();
    requests = new ChargeRequests(db.jdbi());
  }

  private Intake intake(Duration lease) {
    return Intake.table(db.jdbi(), engine, "test-owner", lease, Duration.ofMillis(20));
  }

  @Test
  void a_claim_leases_the_invoices_and_writes_their_attempts_unknown_before_any_call()
      throws Exception {
    var rows = requests.enqueue(5);

    var taken = intake(Duration.ofSeconds(60)).take(10, Duration.ofSeconds(1));

    assertThat(taken.deliveries()).hasSize(5);
    assertThat(taken.opened().attempts())
        .extracting(ChargeStore.OpenAttempt::invoiceId)
        .containsExactlyInAnyOrderElementsOf(
            rows.stream().map(ChargeRequests.Row::invoiceId).toList());
    assertThat(sql("select count(*) from charge_attempt where outcome = 'UNKNOWN'")).isEqualTo(5L);
    // The invoice row carries the lease (V100): owned, and out of the ready range until it ends.
    assertThat(
            sql(
                "select count(*) from invoice where charge_lease_owner = 'test-owner' and charge_available_at > now() + interval '50 seconds'"))
        .isEqualTo(5L);
  }

  @Test
  void a_request_delivered_again_after_its_lease_lapsed_reuses_the_attempts_key() throws Exception {
    var row = requests.enqueue();
    var first = intake(Duration.ofMillis(200)).take(1, Duration.ofSeconds(1));

    var second = intake(Duration.ofSeconds(60)).take(1, Duration.ofSeconds(5));

    assertThat(second.deliveries())
        .extracting(Delivery::invoiceId)
        .containsExactly(row.invoiceId());
    var again = second.opened().attempts().getFirst();
    var before = first.opened().attempts().getFirst();
    assertThat(again.attemptId()).isEqualTo(before.attemptId());
    assertThat(again.idempotencyKey()).isEqualTo(before.idempotencyKey());
    assertThat(again.calls()).isEqualTo(2);
    assertThat(sql("select count(*) from charge_attempt")).isEqualTo(1L);
  }

  @Test
  void a_request_whose_invoice_another_transaction_holds_is_skipped_not_waited_for()
      throws Exception {
    var rows = requests.enqueue(2);
    long held = rows.getFirst().invoiceId();
    try (var other = db.jdbi().open()) {
      other.begin();
      other
          .createQuery("select id from invoice where id = :id for update")
          .bind("id", held)
          .mapTo(Long.class)
          .one();

      long started = System.nanoTime();
      var taken = intake(Duration.ofSeconds(60)).take(10, Duration.ofMillis(100));

      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
      assertThat(taken.deliveries())
          .extracting(Delivery::invoiceId)
          .containsExactly(rows.get(1).invoiceId());
      other.rollback();
    }
    assertThat(intake(Duration.ofSeconds(60)).take(10, Duration.ofSeconds(1)).deliveries())
        .extracting(Delivery::invoiceId)
        .containsExactly(held);
  }

  @Test
  void a_request_whose_invoice_is_no_longer_processing_is_dropped_as_stale() throws Exception {
    var row = requests.enqueue();
    db.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "update invoice set status = 'VOID', status_reason = 'test', status_actor = 'test' where id = ?",
                    row.invoiceId()));

    var taken = intake(Duration.ofSeconds(60)).take(10, Duration.ofSeconds(1));

    assertThat(taken.opened().stale()).containsExactly(row.invoiceId());
    assertThat(taken.opened().attempts()).isEmpty();
    assertThat(sql("select count(*) from invoice where charge_available_at is not null")).isZero();
    assertThat(sql("select count(*) from charge_request")).isZero();
  }

  private long sql(String query) {
    return db.jdbi().withHandle(h -> h.createQuery(query).mapTo(Long.class).one());
  }
}
