package dev.charon.testing;

import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.money.Currency;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * Invoices offered for charging as tests see them: enqueue like a billing run does (the invoice row
 * and the charge_request outbox), read the rows back.
 */
public final class ChargeRequests {
  /** One outbox row, as the relay and the queues see it. */
  public record Row(long requestId, long invoiceId) {}

  private final Jdbi jdbi;
  private final Fixtures fixtures;

  public ChargeRequests(Jdbi jdbi) {
    this.jdbi = jdbi;
    this.fixtures = new Fixtures(jdbi);
  }

  /**
   * A PROCESSING invoice offered for charging, as a billing run leaves it: on the invoice row (what
   * the table intake claims) and as a charge request (what the RabbitMQ intake's relay publishes).
   */
  public Row enqueue() {
    long invoice = fixtures.invoice().status(InvoiceStatus.PROCESSING).create();
    long request =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        """
                        with offered as (
                          update invoice set charge_available_at = charon_now() where id = :invoice)
                        insert into charge_request (invoice_id) values (:invoice) returning id""")
                    .bind("invoice", invoice)
                    .mapTo(Long.class)
                    .one());
    return new Row(request, invoice);
  }

  /**
   * {@code n} PROCESSING invoices of one customer, offered as {@link #enqueue()} does, set-based.
   */
  public List<Row> enqueue(int n) {
    long customer = fixtures.customer(Currency.EUR);
    return jdbi.inTransaction(
        h ->
            h.createQuery(
                    """
                    with invoices as (
                      insert into invoice (customer_id, amount_minor, currency, status, billing_period, due_date,
                                           charge_available_at)
                      select :customer, 1000, 'EUR', 'PROCESSING', '2026-11', date '2026-11-01', charon_now()
                      from generate_series(1, :n)
                      returning id)
                    insert into charge_request (invoice_id) select id from invoices order by id
                    returning id, invoice_id
                    """)
                .bind("customer", customer)
                .bind("n", n)
                .map((rs, ctx) -> new Row(rs.getLong("id"), rs.getLong("invoice_id")))
                .list());
  }

  /** What the engine does when it records a final outcome. */
  public void delete(long requestId) {
    jdbi.useHandle(h -> h.execute("delete from charge_request where id = ?", requestId));
  }

  public long unpublished() {
    return jdbi.withHandle(
        h ->
            h.createQuery("select count(*) from charge_request where published_at is null")
                .mapTo(Long.class)
                .one());
  }

  public long published() {
    return jdbi.withHandle(
        h ->
            h.createQuery("select count(*) from charge_request where published_at is not null")
                .mapTo(Long.class)
                .one());
  }

  /** Pretends the row was published {@code minutes} ago and its message has gone since. */
  public void publishedMinutesAgo(long requestId, int minutes) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "update charge_request set published_at = now() - :m * interval '1 minute' where id = :id")
                .bind("m", minutes)
                .bind("id", requestId)
                .execute());
  }

  public java.time.OffsetDateTime publishedAt(long requestId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select published_at from charge_request where id = :id")
                .bind("id", requestId)
                .mapTo(java.time.OffsetDateTime.class)
                .one());
  }
}
