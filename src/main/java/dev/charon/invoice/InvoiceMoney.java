package dev.charon.invoice;

import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.invoice.domain.Refundable;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Reads what an invoice can still give back, holding its row lock until the transaction ends: a
 * refund request and a credit note serialize on the invoice, so ten concurrent refunds of 30% each
 * never reserve more than was paid.
 */
public final class InvoiceMoney {
  private InvoiceMoney() {}

  public static Optional<Locked> lock(Handle h, long invoiceId) {
    // Lock first, then read the refunds and notes in a statement of their own: under READ
    // COMMITTED a statement that waited for the lock would still read them in the snapshot it
    // started with, and ten concurrent requests would each see nothing reserved.
    var invoice =
        h.createQuery(
                """
                select id, customer_id, status, amount_minor, credited_minor, currency
                from invoice where id = :id for update
                """)
            .bind("id", invoiceId)
            .mapToMap()
            .findOne();
    if (invoice.isEmpty()) {
      return Optional.empty();
    }
    var i = invoice.get();
    var held =
        h.createQuery(
                """
                select (select coalesce(sum(amount_minor), 0) from refund
                        where invoice_id = :id and status <> 'FAILED') as held_minor,
                       (select coalesce(max(refund_no), 0) from refund where invoice_id = :id) as last_refund_no,
                       (select coalesce(sum(amount_minor), 0) from credit_note
                        where invoice_id = :id and refund_id is null) as noted_minor
                """)
            .bind("id", invoiceId)
            .mapToMap()
            .one();
    var amount =
        Money.ofMinor(
            ((Number) i.get("amount_minor")).longValue(),
            Currency.valueOf(((String) i.get("currency")).trim()));
    return Optional.of(
        new Locked(
            ((Number) i.get("customer_id")).longValue(),
            ((Number) held.get("last_refund_no")).intValue(),
            new Refundable(
                invoiceId,
                InvoiceStatus.valueOf((String) i.get("status")),
                amount,
                amount.minorUnits() - ((Number) i.get("credited_minor")).longValue(),
                ((Number) held.get("held_minor")).longValue(),
                ((Number) held.get("noted_minor")).longValue())));
  }

  /** The locked invoice's customer, its last refund number and what it can give back. */
  public record Locked(long customerId, int lastRefundNo, Refundable money) {}
}
