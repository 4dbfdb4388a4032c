package dev.charon.seed;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.testing.TestDatabase;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SeederTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  private final Clock clock = Clock.fixed(Instant.parse("2026-11-01T00:00:00Z"), ZoneOffset.UTC);

  @BeforeEach
  void clean() {
    db.clean();
  }

  @Test
  void seeds_the_original_shape_one_due_invoice_and_nine_paid_per_customer() {
    var result = new Seeder(db.jdbi(), clock).seed(100, 10, 0.1);
    assertThat(result.invoices()).isEqualTo(1000);
    var stats =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            """
                            select count(*) filter (where status = 'PENDING') as pending,
                                   count(*) filter (where status = 'PAID') as paid,
                                   count(*) filter (where status = 'PENDING' and billing_period = '2026-11') as due_now,
                                   count(*) filter (where status = 'PAID' and paid_at >= due_date::timestamptz) as paid_after_due,
                                   min(amount_minor) as min_amount, max(amount_minor) as max_amount,
                                   count(distinct customer_id) as customers,
                                   count(*) filter (where i.currency <> c.currency) as mismatched
                            from invoice i join customer c on c.id = i.customer_id
                            """)
                        .mapToMap()
                        .one());
    assertThat(stats)
        .containsEntry("pending", 100L)
        .containsEntry("paid", 900L)
        .containsEntry("due_now", 100L)
        .containsEntry("paid_after_due", 900L)
        .containsEntry("customers", 100L)
        .containsEntry("mismatched", 0L);
    assertThat((Long) stats.get("min_amount")).isGreaterThanOrEqualTo(1000L);
    assertThat((Long) stats.get("max_amount")).isLessThanOrEqualTo(50000L);
  }

  @Test
  void the_first_invoice_of_each_customer_is_the_due_one() {
    new Seeder(db.jdbi(), clock).seed(20, 10, 0.1);
    long wrong =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            """
                            select count(*) from invoice i
                            where i.status = 'PENDING'
                              and i.id <> (select min(id) from invoice where customer_id = i.customer_id)
                            """)
                        .mapTo(Long.class)
                        .one());
    assertThat(wrong).isZero();
  }

  @Test
  void the_same_random_seed_gives_the_same_data() {
    new Seeder(db.jdbi(), clock).seed(10, 3, 0.5);
    var first = fingerprint();
    db.clean();
    new Seeder(db.jdbi(), clock).seed(10, 3, 0.5);
    assertThat(fingerprint()).isEqualTo(first);
  }

  @Test
  void sizes_are_configurable() {
    var result = new Seeder(db.jdbi(), clock).seed(7, 3, 0.1);
    assertThat(result.customers()).isEqualTo(7);
    assertThat(result.invoices()).isEqualTo(21);
    assertThat(result.pending()).isEqualTo(7);
  }

  private Map<String, Object> fingerprint() {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "select string_agg(amount_minor::text || currency, ',' order by id) as amounts, "
                            + "(select string_agg(currency, ',' order by id) from customer) as currencies from invoice")
                    .mapToMap()
                    .one());
  }
}
