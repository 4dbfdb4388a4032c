package dev.charon.audit;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * The audit's side of money going back: the provider's refunds and lost disputes, loaded into
 * temporary tables next to the charges' {@code ledger}, inside the audit's snapshot. Like a charge,
 * a refund whose Charon row is still REQUESTED or UNKNOWN in the snapshot, or that has no row there
 * and was made at or after the cut, is in flight: counted apart, not a difference. A refund made at
 * the provider before the cut that Charon has not recorded (an operator in Stripe's dashboard whose
 * event has not arrived) is a difference until Charon records it.
 */
final class MoneyBack {
  static final List<Auditor.Query> CHECKS =
      List.of(
          new Auditor.Query(
              "refund_not_recorded",
              "provider refunds Charon has not recorded (or recorded with another amount)",
              """
              select r.invoice_id from provider_refund r where not r.in_flight and not exists (
                select 1 from refund c where c.provider_reference = r.refund_id and c.status = 'SUCCEEDED'
                  and c.invoice_id = r.invoice_id and c.amount_minor = r.amount_minor and c.currency = r.currency)"""),
          new Auditor.Query(
              "refund_not_at_provider",
              "Charon refunds the provider does not have (or has with another amount)",
              """
              select c.invoice_id from refund c where c.status = 'SUCCEEDED' and not exists (
                select 1 from provider_refund r where r.refund_id = c.provider_reference
                  and r.invoice_id = c.invoice_id and r.amount_minor = c.amount_minor and r.currency = c.currency)"""),
          new Auditor.Query(
              "refunded_amount_differs",
              "invoices whose refunded amount is not the sum of their refunds",
              """
              select i.id from invoice i
              left join (select invoice_id, sum(amount_minor) s from refund where status = 'SUCCEEDED'
                         group by invoice_id) c on c.invoice_id = i.id
              where i.refunded_minor <> coalesce(c.s, 0)"""),
          new Auditor.Query(
              "lost_dispute_not_recorded",
              "disputes lost at the provider that Charon has not recorded as lost",
              """
              select l.invoice_id from lost_dispute l where not exists (
                select 1 from dispute d where d.provider_dispute_id = l.dispute_id and d.status = 'LOST'
                  and d.amount_minor = l.amount_minor and d.currency = l.currency)"""),
          new Auditor.Query(
              "lost_dispute_not_at_provider",
              "disputes Charon recorded as lost that the provider did not",
              """
              select d.invoice_id from dispute d where d.status = 'LOST'
                and not exists (select 1 from lost_dispute l where l.dispute_id = d.provider_dispute_id)"""));

  private MoneyBack() {}

  /** Loads the provider's refunds and lost disputes; returns {refunds, in flight, lost}. */
  static long[] load(Handle h, ProviderLedger ledger, Instant cut)
      throws IOException, InterruptedException {
    h.execute(
        "create temp table provider_refund (refund_id text, charge_id text, invoice_id bigint, key text,"
            + " amount_minor bigint, currency char(3), created timestamptz,"
            + " in_flight boolean not null default false) on commit drop");
    h.execute(
        "create temp table lost_dispute (dispute_id text, charge_id text, invoice_id bigint,"
            + " amount_minor bigint, currency char(3)) on commit drop");
    var loaded = new long[3];
    ledger.forEachRefundPage(page -> loaded[0] += loadRefunds(h, page));
    var lost = ledger.lostDisputes();
    var batch =
        h.prepareBatch(
            "insert into lost_dispute values (:dispute, :charge, :invoice, :amount, :currency)");
    for (var d : lost) {
      batch
          .bind("dispute", d.disputeId())
          .bind("charge", d.chargeId())
          .bind("invoice", d.invoiceId())
          .bind("amount", d.amountMinor())
          .bind("currency", d.currency())
          .add();
    }
    if (!lost.isEmpty()) {
      batch.execute();
    }
    loaded[2] = lost.size();
    // A refund or dispute without Charon's metadata (made in a dashboard) names its charge.
    h.execute(
        "update provider_refund r set invoice_id = l.invoice_id from ledger l"
            + " where r.invoice_id = 0 and l.charge_id = r.charge_id");
    h.execute(
        "update lost_dispute d set invoice_id = l.invoice_id from ledger l"
            + " where d.invoice_id = 0 and l.charge_id = d.charge_id");
    loaded[1] =
        h.createUpdate(
                """
                update provider_refund r set in_flight = true
                where exists (select 1 from refund c where c.idempotency_key = r.key
                                and c.status in ('REQUESTED', 'UNKNOWN'))
                   or (r.created >= :cut
                       and not exists (select 1 from refund c where c.provider_reference = r.refund_id))
                """)
            .bind("cut", cut)
            .execute();
    h.execute("analyze provider_refund");
    return loaded;
  }

  private static int loadRefunds(Handle h, List<ProviderLedger.Refund> page) {
    var batch =
        h.prepareBatch(
            "insert into provider_refund values (:refund, :charge, :invoice, :key, :amount, :currency, :created)");
    for (var r : page) {
      batch
          .bind("refund", r.refundId())
          .bind("charge", r.chargeId())
          .bind("invoice", r.invoiceId())
          .bind("key", r.key())
          .bind("amount", r.amountMinor())
          .bind("currency", r.currency())
          .bind("created", r.created())
          .add();
    }
    return batch.execute().length;
  }
}
