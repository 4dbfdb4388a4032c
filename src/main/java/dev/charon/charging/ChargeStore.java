package dev.charon.charging;

import dev.charon.db.Lineage;
import dev.charon.db.PlainSql;
import dev.charon.invoice.domain.InvoiceTransition;
import dev.charon.invoice.domain.InvoiceTransition.StatusChange;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.domain.DeclineCode;
import dev.charon.payment.domain.DeclineDetail;
import dev.charon.payment.domain.IdempotencyKeys;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Handle;

/**
 * The SQL of charging, set-based: one transaction opens the attempts of a whole batch of
 * deliveries, one statement records the outcomes of a whole batch. Every transaction locks the
 * invoices first, in id order, so concurrent deliveries of one invoice queue on its row instead of
 * deadlocking.
 */
public final class ChargeStore {

  // Loaded from the lineage table on the first open: the secret never changes for a database.
  private volatile IdempotencyKeys keys;

  /** An attempt ready to be sent: its key, what to charge, how often the key was handed out. */
  public record OpenAttempt(
      long attemptId,
      long invoiceId,
      long customerId,
      Money amount,
      String idempotencyKey,
      int calls,
      int declinesBefore,
      int unavailableBefore,
      String customerReference) {}

  /**
   * A final outcome to record: the attempt's outcome and the invoice's new state. {@code calls}:
   * the calls made with the attempt's key when this one was opened, this one included.
   */
  record Final(
      long invoiceId,
      long attemptId,
      int calls,
      String outcome,
      String reference,
      StatusChange change,
      Instant paidAt,
      Instant nextAttemptAt,
      String failure,
      String declineCode,
      DeclineDetail decline) {
    Final {
      decline = decline == null ? DeclineDetail.NONE : decline;
    }
  }

  // Every transition a worker makes leaves PROCESSING; settle guards on it in SQL.
  private static final String SETTLED_FROM = InvoiceTransition.PAY.sqlFrom();

  static {
    for (var t :
        List.of(
            InvoiceTransition.SCHEDULE_RETRY,
            InvoiceTransition.REQUIRE_ACTION,
            InvoiceTransition.GIVE_UP)) {
      if (!t.sqlFrom().equals(SETTLED_FROM)) {
        throw new IllegalStateException(t + " must start where PAY does for settle's guard");
      }
    }
  }

  /**
   * An unknown result: keep the attempt open, offer the request again at {@code at}. {@code calls}:
   * the calls made with the attempt's key when this one was opened, this one included.
   */
  record Deferred(long invoiceId, long attemptId, int calls, Instant at, String reason) {}

  private record Row(
      long id,
      long customerId,
      Money amount,
      int attemptCount,
      int declines,
      int unavailable,
      boolean processing,
      String customerReference) {}

  // Only soft declines use up the dunning schedule (ChargePolicy): a hard one waited for a new
  // payment method, after which dunning starts afresh.
  private static final String[] HARD_CODES =
      java.util.Arrays.stream(DeclineCode.values())
          .filter(c -> c.kind() == DeclineCode.Kind.HARD)
          .map(DeclineCode::code)
          .toArray(String[]::new);

  // An invoice with no completed attempt (attempt_count 0; settle counts the attempts it completes)
  // has no earlier outcomes to count: the batch's common case skips both subqueries. The next
  // attempt is attempt_count + 1: an attempt still open (UNKNOWN) is sent again, never renumbered.
  Opened open(Handle h, List<Long> invoiceIds, String worker) {
    // Issue 27: after a promotion or restore the server adopts the provider's charges first.
    if (!PlainSql.of("charging/lineage-current").with(h).list(rs -> rs.getBoolean(1)).getFirst()) {
      throw new LineageMoved();
    }
    var ids = invoiceIds.stream().distinct().sorted().toArray(Long[]::new);
    var rows = new HashMap<Long, Row>();
    PlainSql.of("charging/open-lock")
        .with(h)
        .bind("ids", ids)
        .bind("hard", HARD_CODES)
        .forEach(
            rs ->
                new Row(
                    rs.getLong("id"),
                    rs.getLong("customer_id"),
                    Money.ofMinor(
                        rs.getLong("amount_minor"), Currency.valueOf(rs.getString("currency"))),
                    rs.getInt("attempt_count"),
                    rs.getInt("declines"),
                    rs.getInt("unavailable"),
                    rs.getBoolean("processing"),
                    rs.getString("customer_reference")),
            row -> {
              if (row.processing()) {
                rows.put(row.id(), row);
              }
            });
    var stale = new java.util.HashSet<Long>();
    for (var id : ids) {
      if (!rows.containsKey(id)) {
        stale.add(id);
      }
    }
    if (!stale.isEmpty()) {
      // Every invoice of the batch is locked above, not only the PROCESSING ones: otherwise the
      // retry task could move a stale one back to PROCESSING and enqueue a fresh request between
      // the read and this delete, which would then delete that request and strand the invoice.
      PlainSql.of("charging/open-drop-stale")
          .with(h)
          .bind("ids", stale.toArray(Long[]::new))
          .update();
    }
    var attempts = new ArrayList<OpenAttempt>();
    if (rows.isEmpty()) {
      return new Opened(attempts, stale);
    }
    // Reconciliation: an attempt left UNKNOWN by an earlier delivery is sent again with its key.
    PlainSql.of("charging/open-reconcile")
        .with(h)
        .bind("ids", rows.keySet().toArray(Long[]::new))
        .bind("worker", worker)
        .forEach(
            rs -> {
              var row = rows.remove(rs.getLong("invoice_id"));
              return new OpenAttempt(
                  rs.getLong("id"),
                  row.id(),
                  row.customerId(),
                  row.amount(),
                  rs.getString("idempotency_key"),
                  rs.getInt("calls"),
                  row.declines(),
                  row.unavailable(),
                  row.customerReference());
            },
            attempts::add);
    if (!rows.isEmpty()) {
      attempts.addAll(insertAttempts(h, new ArrayList<>(rows.values()), worker));
    }
    return new Opened(attempts, stale);
  }

  private IdempotencyKeys keys(Handle h) {
    var loaded = keys;
    if (loaded == null) {
      loaded = new IdempotencyKeys(Lineage.secret(h));
      keys = loaded;
    }
    return loaded;
  }

  private List<OpenAttempt> insertAttempts(Handle h, List<Row> rows, String worker) {
    var byId = new HashMap<Long, Row>();
    var ids = new Long[rows.size()];
    var numbers = new Integer[rows.size()];
    var sent = new String[rows.size()];
    var amounts = new Long[rows.size()];
    var currencies = new String[rows.size()];
    var keys = keys(h);
    for (int i = 0; i < rows.size(); i++) {
      var row = rows.get(i);
      byId.put(row.id(), row);
      ids[i] = row.id();
      numbers[i] = row.attemptCount() + 1;
      // Derived, not drawn: an attempt recreated after the database lost it (failover, restore)
      // sends the same key, and the provider replays its first answer.
      sent[i] = keys.charge(row.id(), numbers[i], row.customerId(), row.amount());
      amounts[i] = row.amount().minorUnits();
      currencies[i] = row.amount().currency().name();
    }
    var created =
        PlainSql.of("charging/open-insert")
            .with(h)
            .bind("ids", ids)
            .bind("numbers", numbers)
            .bind("keys", sent)
            .bind("amounts", amounts)
            .bind("currencies", currencies)
            .bind("worker", worker)
            .list(
                rs -> {
                  var row = byId.get(rs.getLong("invoice_id"));
                  return new OpenAttempt(
                      rs.getLong("id"),
                      row.id(),
                      row.customerId(),
                      row.amount(),
                      rs.getString("idempotency_key"),
                      1,
                      row.declines(),
                      row.unavailable(),
                      row.customerReference());
                });
    return created;
  }

  /**
   * Records final outcomes, guarded: an attempt is completed only while still UNKNOWN, and its
   * invoice moves only from PROCESSING, in the same statement; the outbox row goes with it.
   * UNAVAILABLE speaks only for the call that got it, so it completes an attempt only if no other
   * delivery has sent the key since this call was opened: a duplicate delivery that did (after a
   * broker redelivery or a lease takeover) may have been charged, and closing the attempt would let
   * a retry charge again under a new key. That delivery settles the attempt instead. Returns the
   * finals that settled their invoice (others were settled, or are being, by another delivery).
   */
  Set<Final> settle(Handle h, List<Final> finals, String worker) {
    int n = finals.size();
    var invoices = new Long[n];
    var attempts = new Long[n];
    var calls = new Integer[n];
    var outcomes = new String[n];
    var references = new String[n];
    var statuses = new String[n];
    var paid = new String[n];
    var next = new String[n];
    var failures = new String[n];
    var reasons = new String[n];
    var codes = new String[n];
    var brands = new String[n];
    var advice = new String[n];
    var networkAdvice = new String[n];
    var networkDecline = new String[n];
    for (int i = 0; i < n; i++) {
      var f = finals.get(i);
      codes[i] = f.declineCode();
      brands[i] = clip(f.decline().cardBrand(), 40);
      advice[i] = clip(f.decline().adviceCode(), 100);
      networkAdvice[i] = clip(f.decline().networkAdviceCode(), 20);
      networkDecline[i] = clip(f.decline().networkDeclineCode(), 20);
      invoices[i] = f.invoiceId();
      attempts[i] = f.attemptId();
      calls[i] = f.calls();
      outcomes[i] = f.outcome();
      references[i] = f.reference();
      statuses[i] = f.change().transition().to().name();
      paid[i] = f.paidAt() == null ? null : f.paidAt().toString();
      next[i] = f.nextAttemptAt() == null ? null : f.nextAttemptAt().toString();
      failures[i] = f.failure();
      reasons[i] = f.change().reason();
    }
    lockInvoices(h, invoices);
    // The invoice takes its new state from the input row that completed its attempt (joined by
    // position, not by invoice): a batch may hold two results for one attempt, from duplicate
    // deliveries, of which the guard lets only one through.
    return new java.util.HashSet<>(
        PlainSql.of("charging/settle")
            .with(h)
            .bind("invoices", invoices)
            .bind("attempts", attempts)
            .bind("calls", calls)
            .bind("outcomes", outcomes)
            .bind("refs", references)
            .bind("statuses", statuses)
            .bind("paid", paid)
            .bind("next", next)
            .bind("failures", failures)
            .bind("reasons", reasons)
            .bind("codes", codes)
            .bind("brands", brands)
            .bind("advice", advice)
            .bind("netadvice", networkAdvice)
            .bind("netdecline", networkDecline)
            .bind("worker", worker)
            .list(rs -> finals.get(rs.getInt(1) - 1))
            .stream()
            .toList());
  }

  /**
   * Keeps unknown attempts open and offers their requests again later (no lease, not published).
   * Fenced like UNAVAILABLE in {@link #settle}: only a call that is still the attempt's latest (no
   * delivery has sent the key since) may release the request. A worker cut off from the database
   * past its lease, whose request another worker has since claimed, would otherwise free that
   * worker's lease when it heals and hand the request to a third while the second's call is in
   * flight (issue 16, the partitioned worker).
   */
  void defer(Handle h, List<Deferred> deferred) {
    int n = deferred.size();
    var invoices = new Long[n];
    var attempts = new Long[n];
    var calls = new Integer[n];
    var at = new String[n];
    var reasons = new String[n];
    for (int i = 0; i < n; i++) {
      var d = deferred.get(i);
      invoices[i] = d.invoiceId();
      attempts[i] = d.attemptId();
      calls[i] = d.calls();
      at[i] = d.at().toString();
      reasons[i] = d.reason();
    }
    lockInvoices(h, invoices);
    PlainSql.of("charging/defer")
        .with(h)
        .bind("invoices", invoices)
        .bind("attempts", attempts)
        .bind("calls", calls)
        .bind("at", at)
        .bind("reasons", reasons)
        .update();
  }

  /** A provider's free text, cut to what its column holds. */
  private static String clip(String value, int max) {
    return value == null || value.length() <= max ? value : value.substring(0, max);
  }

  private static void lockInvoices(Handle h, Long[] ids) {
    var sorted = ids.clone();
    java.util.Arrays.sort(sorted);
    PlainSql.of("charging/lock-invoices").with(h).bind("ids", sorted).run();
  }
}
