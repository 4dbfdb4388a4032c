package dev.charon.audit;

import dev.charon.db.SqlFiles;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Reconciles Charon's database with the provider's ledger (DESIGN.md invariants 1, 2 and 6), safe
 * to run while Charon charges. It compares one consistent cut: the cut time T is read first, then
 * the database in one REPEATABLE READ snapshot, then the provider's ledger. Every attempt is
 * committed (UNKNOWN) before its key is sent, so a provider charge made before T has its attempt in
 * the snapshot; a charge whose attempt is still UNKNOWN there, or that has no attempt there and was
 * made at or after T, is in flight (its outcome not yet recorded), counted apart and not a
 * difference. The ledger, read after the snapshot, holds every charge the snapshot's PAID invoices
 * were charged with, so a missing charge is still found; double charges are counted over the whole
 * ledger. The ledger is loaded into a temporary table and compared in SQL, so a million charges
 * cost a few seconds and little memory.
 */
public final class Auditor {

  /** One check: its name and the invoices (up to 20 shown) that break it. */
  public record Check(String kind, String name, long violations, List<Long> examples) {
    public boolean ok() {
      return violations == 0;
    }
  }

  /**
   * Totals per currency on both sides, in minor units, of what was settled at the cut: charges
   * (gross), refunds and lost disputes; the net is what each side says was kept.
   */
  public record CurrencyLine(
      String currency,
      long providerCount,
      long providerMinor,
      long paidCount,
      long paidMinor,
      long providerRefundedMinor,
      long providerLostMinor,
      long refundedMinor,
      long lostMinor) {
    public long providerNet() {
      return providerMinor - providerRefundedMinor - providerLostMinor;
    }

    public long net() {
      return paidMinor - refundedMinor - lostMinor;
    }

    public boolean ok() {
      return providerCount == paidCount && providerMinor == paidMinor && providerNet() == net();
    }
  }

  /**
   * {@code inFlight}: invoices PROCESSING in the snapshot; {@code inFlightCharges}: provider
   * charges whose outcome the snapshot had not recorded yet; {@code cut}: the cut time T.
   */
  public record Report(
      List<Check> checks,
      List<CurrencyLine> currencies,
      long providerCharges,
      long inFlight,
      long inFlightCharges,
      long providerRefunds,
      long inFlightRefunds,
      long lostDisputes,
      Instant cut) {
    public boolean reconciles() {
      return checks.stream().allMatch(Check::ok) && currencies.stream().allMatch(CurrencyLine::ok);
    }

    /** Violations by kind ({@link #KINDS}, in that order): every kind, zero or not. */
    public java.util.Map<String, Long> differences() {
      var byKind = new java.util.LinkedHashMap<String, Long>();
      for (var check : checks) {
        byKind.put(check.kind(), check.violations());
      }
      byKind.put(CURRENCIES, currencies.stream().filter(line -> !line.ok()).count());
      return byKind;
    }
  }

  /** The kinds of difference the audit reports, as {@link Check#kind()} and {@link #CURRENCIES}. */
  public static final List<String> KINDS =
      List.of(
          "double_charge",
          "paid_without_one_charge",
          "charge_not_paid",
          "charge_differs",
          "attempt_amount_differs",
          "refund_not_recorded",
          "refund_not_at_provider",
          "refunded_amount_differs",
          "lost_dispute_not_recorded",
          "lost_dispute_not_at_provider",
          "currency_totals");

  /** The kind of a currency's totals differing on the two sides. */
  public static final String CURRENCIES = "currency_totals";

  record Query(String kind, String name, String sql) {}

  // `ledger` holds every charge; `settled` only those whose outcome the snapshot has recorded.
  private static final List<Query> CHECKS =
      List.of(
          new Query(
              "double_charge",
              "invoices charged more than once at the provider",
              "select invoice_id from ledger group by invoice_id having count(*) > 1"),
          new Query(
              "paid_without_one_charge",
              "PAID invoices without exactly one provider charge",
              SqlFiles.statement(
                  """
              select i.id from invoice i
              where i.status in (${status.PAID,PARTIALLY_REFUNDED,REFUNDED,DISPUTED})
                and exists (select 1 from charge_attempt a where a.invoice_id = i.id)
                and (select count(*) from ledger l where l.invoice_id = i.id) <> 1""")),
          new Query(
              "charge_not_paid",
              "provider charges on invoices not recorded as paid",
              SqlFiles.statement(
                  """
              select l.invoice_id from settled l left join invoice i on i.id = l.invoice_id
              where i.status is null or i.status not in (${status.PAID,PARTIALLY_REFUNDED,REFUNDED,DISPUTED})""")),
          new Query(
              "charge_differs",
              "provider charges that differ from the recorded attempt (key, reference or amount)",
              """
              select l.invoice_id from settled l
              left join charge_attempt a on a.invoice_id = l.invoice_id and a.outcome = 'CHARGED'
              where a.id is null or a.idempotency_key <> l.key or a.provider_reference <> l.charge_id
                 or a.amount_minor <> l.amount_minor or a.currency <> l.currency"""),
          new Query(
              "attempt_amount_differs",
              "PAID invoices whose attempt amount differs from the invoice",
              SqlFiles.statement(
                  """
              select i.id from invoice i join charge_attempt a on a.invoice_id = i.id and a.outcome = 'CHARGED'
              where i.amount_minor - i.credited_minor <> a.amount_minor or i.currency <> a.currency
                 or i.status not in (${status.PAID,PARTIALLY_REFUNDED,REFUNDED,DISPUTED})""")));

  private final Jdbi jdbi;
  private final ProviderLedger ledger;

  public Auditor(Jdbi jdbi, ProviderLedger ledger) {
    this.jdbi = jdbi;
    this.ledger = ledger;
  }

  /** Against the gateway's ledger API at {@code gateway}. */
  public Auditor(Jdbi jdbi, URI gateway) {
    this(jdbi, new GatewayLedger(gateway));
  }

  /** Reconciles with the charges on a Stripe account. */
  public static Auditor stripe(Jdbi jdbi, dev.charon.payment.stripe.StripeSettings settings) {
    return new Auditor(jdbi, new StripeLedger(settings));
  }

  public Report run() throws IOException, InterruptedException {
    try (var h = jdbi.open()) {
      // T before the snapshot: an attempt committed before a charge made before T is in it.
      // Real time, not charon_now(): the cut orders commits against the provider's ledger, which
      // the provider keeps on its own (real) clock.
      var cut = h.createQuery("select clock_timestamp()").mapTo(Instant.class).one();
      h.begin();
      h.execute("set transaction isolation level repeatable read");
      // The snapshot is taken by the transaction's first query; the ledger is read only after it.
      h.createQuery("select pg_current_snapshot()::text").mapTo(String.class).one();
      h.execute(
          "create temp table ledger (invoice_id bigint, key text, charge_id text, amount_minor bigint, currency char(3),"
              + " created timestamptz, in_flight boolean not null default false) on commit drop");
      var loaded = new long[1];
      ledger.forEachPage(page -> loaded[0] += load(h, page));
      h.execute("create index on ledger (invoice_id)");
      h.execute("create index on ledger (key)");
      long inFlightCharges =
          h.createUpdate(
                  """
                  update ledger l set in_flight = true
                  where exists (select 1 from charge_attempt a where a.idempotency_key = l.key and a.outcome = 'UNKNOWN')
                     or (l.created >= :cut and not exists (select 1 from charge_attempt a where a.idempotency_key = l.key))
                  """)
              .bind("cut", cut)
              .execute();
      h.execute("create temp view settled as select * from ledger where not in_flight");
      h.execute("analyze ledger");
      var back = MoneyBack.load(h, ledger, cut);
      var checks = new ArrayList<Check>();
      for (var check : concat(CHECKS, MoneyBack.CHECKS)) {
        var ids =
            h.createQuery("select id from (" + check.sql() + ") v(id) order by id")
                .mapTo(Long.class)
                .list();
        checks.add(
            new Check(check.kind(), check.name(), ids.size(), ids.stream().limit(20).toList()));
      }
      var currencies =
          h.createQuery(
                  SqlFiles.statement(
                      """
                  with provider as (select currency, count(*) n, sum(amount_minor) s from settled group by currency),
                       paid as (select i.currency, count(*) n, sum(i.amount_minor - i.credited_minor) s from invoice i
                                where i.status in (${status.PAID,PARTIALLY_REFUNDED,REFUNDED,DISPUTED})
                                  and exists (select 1 from charge_attempt a where a.invoice_id = i.id and a.outcome = 'CHARGED')
                                group by i.currency),
                       provider_back as (
                         select currency, sum(refunded) refunded, sum(lost) lost from (
                           select r.currency, r.amount_minor refunded, 0 lost from provider_refund r where not r.in_flight
                           union all
                           select l.currency, 0, l.amount_minor from lost_dispute l) m
                         group by currency),
                       charon_back as (
                         select currency, sum(refunded) refunded, sum(lost) lost from (
                           select c.currency, c.amount_minor refunded, 0 lost from refund c where c.status = 'SUCCEEDED'
                           union all
                           select d.currency, 0, d.amount_minor from dispute d where d.status = 'LOST') m
                         group by currency),
                       currencies as (select currency from provider union select currency from paid
                                         union select currency from provider_back union select currency from charon_back)
                  select c.currency, coalesce(p.n, 0) as pn, coalesce(p.s, 0) as ps,
                         coalesce(d.n, 0) as dn, coalesce(d.s, 0) as ds,
                         coalesce(pb.refunded, 0) as pr, coalesce(pb.lost, 0) as pl,
                         coalesce(cb.refunded, 0) as cr, coalesce(cb.lost, 0) as cl
                  from currencies c
                  left join provider p on p.currency = c.currency left join paid d on d.currency = c.currency
                  left join provider_back pb on pb.currency = c.currency
                  left join charon_back cb on cb.currency = c.currency
                  order by 1
                  """))
              .map(
                  (rs, ctx) ->
                      new CurrencyLine(
                          rs.getString("currency"),
                          rs.getLong("pn"),
                          rs.getLong("ps"),
                          rs.getLong("dn"),
                          rs.getLong("ds"),
                          rs.getLong("pr"),
                          rs.getLong("pl"),
                          rs.getLong("cr"),
                          rs.getLong("cl")))
              .list();
      long inFlight =
          h.createQuery(
                  SqlFiles.statement(
                      "select count(*) from invoice where status = ${status.PROCESSING}"))
              .mapTo(Long.class)
              .one();
      h.rollback();
      return new Report(
          checks, currencies, loaded[0], inFlight, inFlightCharges, back[0], back[1], back[2], cut);
    }
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    var all = new ArrayList<T>(a);
    all.addAll(b);
    return all;
  }

  private static int load(Handle h, List<ProviderLedger.Charge> page) {
    var batch =
        h.prepareBatch(
            "insert into ledger values (:invoice, :key, :charge, :amount, :currency, :created)");
    for (var c : page) {
      batch
          .bind("invoice", c.invoiceId())
          .bind("key", c.key())
          .bind("charge", c.chargeId())
          .bind("amount", c.amountMinor())
          .bind("currency", c.currency())
          .bind("created", c.created())
          .add();
    }
    return batch.execute().length;
  }
}
