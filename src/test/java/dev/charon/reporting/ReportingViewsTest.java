package dev.charon.reporting;

import static dev.charon.invoice.domain.InvoiceStatus.ACTION_REQUIRED;
import static dev.charon.invoice.domain.InvoiceStatus.PAID;
import static dev.charon.invoice.domain.InvoiceStatus.PENDING;
import static dev.charon.invoice.domain.InvoiceStatus.PROCESSING;
import static dev.charon.invoice.domain.InvoiceStatus.RETRY_SCHEDULED;
import static dev.charon.invoice.domain.InvoiceStatus.UNCOLLECTIBLE;
import static dev.charon.invoice.domain.InvoiceStatus.VOID;
import static dev.charon.money.Currency.EUR;
import static dev.charon.money.Currency.JPY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.testing.TestDatabase;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Each reporting view against a small hand-built history whose numbers are known. */
class ReportingViewsTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  private final ReportingData data = new ReportingData(db.jdbi());

  @BeforeEach
  void clean() {
    db.clean();
  }

  @Test
  void revenue_by_month_sums_paid_invoices_per_utc_month_of_payment_and_currency() {
    paidAt(data.invoice(EUR, 1250, PAID, "2026-09"), "2026-10-15T12:00:00Z");
    paidAt(data.invoice(EUR, 999, PAID, "2026-10"), "2026-10-31T23:30:00Z");
    // Still October in Los Angeles (the session zone), November in UTC.
    paidAt(data.invoice(EUR, 300, PAID, "2026-10"), "2026-11-01T03:00:00Z");
    paidAt(data.invoice(JPY, 5000, PAID, "2026-10"), "2026-10-20T08:00:00Z");
    data.invoice(EUR, 7000, RETRY_SCHEDULED, "2026-10");
    data.invoice(EUR, 8000, VOID, "2026-10");

    assertThat(
            data.rows(
                """
                select period, month_start::text, currency, invoices_paid, amount_collected_minor, amount_collected
                from reporting.revenue_by_month order by period, currency
                """))
        .containsExactly(
            row("2026-10", "2026-10-01", "EUR", 2L, 2249L, dec("22.49")),
            row("2026-10", "2026-10-01", "JPY", 1L, 5000L, dec("5000")),
            row("2026-11", "2026-11-01", "EUR", 1L, 300L, dec("3.00")));
  }

  @Test
  void collection_rate_by_run_counts_each_status_and_leaves_voided_invoices_out_of_the_rate() {
    long october = data.run("2026-10", "FINISHED");
    data.invoiceInRun(october, EUR, 1000, PAID);
    data.invoiceInRun(october, EUR, 2000, PAID);
    data.invoiceInRun(october, JPY, 700, PAID);
    data.invoiceInRun(october, EUR, 4000, RETRY_SCHEDULED);
    data.invoiceInRun(october, EUR, 5000, ACTION_REQUIRED);
    data.invoiceInRun(october, EUR, 6000, UNCOLLECTIBLE);
    data.invoiceInRun(october, EUR, 7000, VOID);
    data.invoiceInRun(october, EUR, 8000, PROCESSING);
    data.invoice(EUR, 9000, PAID, "2026-10"); // not taken by any run
    long november = data.run("2026-11", "CHARGING");

    assertThat(
            data.rows(
                """
                select run_id, period, state, invoices, paid, retry_scheduled, action_required, uncollectible,
                       voided, in_flight, collection_rate, collected ->> 'EUR', collected ->> 'JPY', collected::text
                from reporting.collection_rate_by_run order by run_id
                """))
        .containsExactly(
            row(
                october,
                "2026-10",
                "FINISHED",
                8L,
                3L,
                1L,
                1L,
                1L,
                1L,
                1L,
                dec("0.4286"),
                "30.00",
                "700",
                "{\"EUR\": 30.00, \"JPY\": 700}"),
            row(
                november,
                "2026-11",
                "CHARGING",
                0L,
                0L,
                0L,
                0L,
                0L,
                0L,
                0L,
                null,
                null,
                null,
                "{}"));
    assertThat(
            data.rows(
                """
                select run_id, period, currency, invoices, paid, amount_collected_minor, amount_collected
                from reporting.collected_by_run order by run_id, currency
                """))
        .containsExactly(
            row(october, "2026-10", "EUR", 7L, 2L, 3000L, dec("30.00")),
            row(october, "2026-10", "JPY", 1L, 1L, 700L, dec("700")));
  }

  @Test
  void failures_by_reason_takes_the_latest_failed_attempt_then_last_failure_then_the_operator() {
    data.attempts(data.invoice(EUR, 100, RETRY_SCHEDULED, "2026-10"), "DECLINED");
    data.attempts(data.invoice(EUR, 100, RETRY_SCHEDULED, "2026-10"), "DECLINED", "UNAVAILABLE");
    data.attempts(data.invoice(EUR, 100, ACTION_REQUIRED, "2026-10"), "CUSTOMER_NOT_FOUND");
    data.update(
        data.invoice(EUR, 100, ACTION_REQUIRED, "2026-10"),
        "last_failure = 'currency mismatch at provider: x'");
    data.attempts(
        data.invoice(EUR, 100, UNCOLLECTIBLE, "2026-10"),
        "DECLINED",
        "DECLINED",
        "DECLINED",
        "DECLINED");
    long writtenOff = data.invoice(EUR, 100, UNCOLLECTIBLE, "2026-10");
    data.attempts(writtenOff, "DECLINED", "DECLINED");
    data.update(writtenOff, "last_failure = 'provider unavailable (timeout)'"); // the attempt wins
    data.invoice(EUR, 100, VOID, "2026-10");
    data.update(
        data.invoice(EUR, 100, RETRY_SCHEDULED, "2026-10"), "last_failure = 'something new'");
    data.invoice(EUR, 100, RETRY_SCHEDULED, "2026-10");
    data.attempts(data.invoice(EUR, 100, PAID, "2026-10"), "DECLINED", "CHARGED");
    data.invoice(EUR, 100, PENDING, "2026-10");
    data.attempts(data.invoice(EUR, 100, ACTION_REQUIRED, "2026-11"), "CUSTOMER_NOT_FOUND");

    assertThat(
            data.rows("select period, status, reason, invoices from reporting.failures_by_reason"))
        .containsExactlyInAnyOrder(
            row("2026-10", "RETRY_SCHEDULED", "DECLINED", 1L),
            row("2026-10", "RETRY_SCHEDULED", "UNAVAILABLE", 1L),
            row("2026-10", "RETRY_SCHEDULED", "OTHER", 1L),
            row("2026-10", "RETRY_SCHEDULED", "UNRECORDED", 1L),
            row("2026-10", "ACTION_REQUIRED", "CUSTOMER_NOT_FOUND", 1L),
            row("2026-10", "ACTION_REQUIRED", "CURRENCY_MISMATCH", 1L),
            row("2026-10", "UNCOLLECTIBLE", "DECLINED", 2L),
            row("2026-10", "VOID", "OPERATOR", 1L),
            row("2026-11", "ACTION_REQUIRED", "CUSTOMER_NOT_FOUND", 1L));
  }

  @Test
  void unpaid_ageing_buckets_unpaid_invoices_by_days_since_due_in_utc() {
    dueInDays(data.invoice(EUR, 100, PENDING, "2026-10"), 5);
    dueInDays(data.invoice(EUR, 200, RETRY_SCHEDULED, "2026-10"), 0);
    dueInDays(data.invoice(EUR, 300, ACTION_REQUIRED, "2026-10"), -30);
    dueInDays(data.invoice(EUR, 400, PROCESSING, "2026-10"), -31);
    dueInDays(data.invoice(JPY, 500, RETRY_SCHEDULED, "2026-10"), -60);
    dueInDays(data.invoice(EUR, 600, RETRY_SCHEDULED, "2026-10"), -61);
    dueInDays(data.invoice(EUR, 700, ACTION_REQUIRED, "2026-10"), -90);
    dueInDays(data.invoice(EUR, 800, UNCOLLECTIBLE, "2026-10"), -91);
    dueInDays(data.invoice(EUR, 900, PAID, "2026-10"), -200);
    dueInDays(data.invoice(EUR, 1000, VOID, "2026-10"), -200);

    assertThat(
            data.rows(
                """
                select currency, age_bucket, bucket_order, invoices, amount_minor, amount,
                       (current_timestamp at time zone 'UTC')::date - oldest_due_date
                from reporting.unpaid_ageing order by currency, bucket_order
                """))
        .containsExactly(
            row("EUR", "not due", 0, 1L, 100L, dec("1.00"), -5),
            row("EUR", "0-30", 1, 2L, 500L, dec("5.00"), 30),
            row("EUR", "31-60", 2, 1L, 400L, dec("4.00"), 31),
            row("EUR", "61-90", 3, 2L, 1300L, dec("13.00"), 90),
            row("EUR", "90+", 4, 1L, 800L, dec("8.00"), 91),
            row("JPY", "31-60", 2, 1L, 500L, dec("500"), 60));
  }

  @Test
  void dunning_funnel_follows_declined_invoices_to_recovery_or_uncollectible() {
    data.attempts(data.invoice(EUR, 100, PAID, "2026-10"), "CHARGED");
    data.attempts(data.invoice(EUR, 100, PAID, "2026-10"), "DECLINED", "CHARGED");
    data.attempts(
        data.invoice(EUR, 100, PAID, "2026-10"), "DECLINED", "DECLINED", "DECLINED", "CHARGED");
    data.attempts(
        data.invoice(EUR, 100, UNCOLLECTIBLE, "2026-10"),
        "DECLINED",
        "DECLINED",
        "DECLINED",
        "DECLINED");
    data.attempts(data.invoice(EUR, 100, RETRY_SCHEDULED, "2026-10"), "DECLINED", "DECLINED");
    data.invoice(EUR, 100, PENDING, "2026-10");
    data.attempts(data.invoice(EUR, 100, RETRY_SCHEDULED, "2026-10"), "UNAVAILABLE");
    data.attempts(data.invoice(EUR, 100, UNCOLLECTIBLE, "2026-10"), "CUSTOMER_NOT_FOUND");
    data.attempts(data.invoice(JPY, 100, RETRY_SCHEDULED, "2026-11"), "DECLINED");

    assertThat(
            data.rows(
                """
                select period, invoices, attempted, declined_once, declined_twice, declined_thrice,
                       recovered_after_decline, in_dunning, uncollectible
                from reporting.dunning_funnel order by period
                """))
        .containsExactly(
            row("2026-10", 8L, 7L, 4L, 3L, 2L, 2L, 1L, 1L),
            row("2026-11", 1L, 1L, 1L, 0L, 0L, 0L, 1L, 0L));
  }

  @Test
  void every_view_and_column_is_documented() {
    assertThat(
            data.rows(
                """
                select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = 'reporting' and c.relkind = 'v' and obj_description(c.oid, 'pg_class') is not null
                """))
        .extracting(r -> r.getFirst())
        .contains(
            "revenue_by_month",
            "collection_rate_by_run",
            "failures_by_reason",
            "unpaid_ageing",
            "dunning_funnel");
    assertThat(
            data.rows(
                """
                select c.relname || '.' || a.attname
                from pg_class c join pg_namespace n on n.oid = c.relnamespace
                join pg_attribute a on a.attrelid = c.oid and a.attnum > 0
                where n.nspname = 'reporting' and (col_description(c.oid, a.attnum) is null
                                                   or obj_description(c.oid, 'pg_class') is null)
                """))
        .as("views or columns without a comment")
        .isEmpty();
  }

  @Test
  void net_collected_by_month_takes_refunds_lost_disputes_and_credit_off_what_was_collected() {
    long refunded = data.invoice(EUR, 100_00, InvoiceStatus.PARTIALLY_REFUNDED, "2026-10");
    paidAt(refunded, "2026-10-05T12:00:00Z");
    long disputed = data.invoice(EUR, 50_00, InvoiceStatus.DISPUTED, "2026-10");
    paidAt(disputed, "2026-10-06T12:00:00Z");
    long credited = data.invoice(EUR, 40_00, PAID, "2026-10");
    paidAt(credited, "2026-10-07T12:00:00Z");
    data.update(credited, "credited_minor = 1500");
    db.jdbi()
        .useHandle(
            h -> {
              h.execute(
                  """
                  insert into refund (invoice_id, refund_no, customer_id, amount_minor, currency, reason, actor,
                                      status, idempotency_key, provider_reference, settled_at)
                  select id, 1, customer_id, 3000, 'EUR', 'r', 'a', 'SUCCEEDED', 'k1', 're_1',
                         '2026-11-02T00:00:00Z' from invoice where id = ?""",
                  refunded);
              h.execute(
                  """
                  insert into dispute (invoice_id, provider_dispute_id, amount_minor, currency, status, closed_at)
                  values (?, 'dp_1', 5000, 'EUR', 'LOST', '2026-11-03T00:00:00Z')""",
                  disputed);
            });

    assertThat(
            data.rows(
                """
                select period, currency, collected_minor, refunded_minor, disputes_lost_minor, net_minor, net
                from reporting.net_collected_by_month order by period, currency
                """))
        .containsExactly(
            row("2026-10", "EUR", 175_00L, 0L, 0L, 175_00L, dec("175.00")),
            row("2026-11", "EUR", 0L, 30_00L, 50_00L, -80_00L, dec("-80.00")));
  }

  private void paidAt(long invoiceId, String instant) {
    data.update(invoiceId, "paid_at = '" + instant + "'::timestamptz");
  }

  private void dueInDays(long invoiceId, int days) {
    data.update(invoiceId, "due_date = (current_timestamp at time zone 'UTC')::date + " + days);
  }

  private static List<Object> row(Object... values) {
    return Arrays.asList(values);
  }

  private static BigDecimal dec(String value) {
    return new BigDecimal(value);
  }
}
