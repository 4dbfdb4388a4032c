package dev.charon.gateway;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The gateway's refunds and disputes: what each charge has had refunded, which keys are done or in
 * flight, and the ledgers the backstop pages. A refund is judged when its key is claimed, under the
 * book's lock, and its money is reserved until its result is durable: two refunds of one charge
 * never both pass the over-refund rule. A key's stored result is replayed before any rule is
 * judged, so a replay of a refund that went through answers that refund even if the charge was
 * disputed since. Refunds are rare next to charges; one lock is enough.
 */
final class RefundBook {

  sealed interface Claim {}

  /** The caller owns the key with this decided result and must append it or {@link #release}. */
  record Owner(RefundResult decided) implements Claim {}

  record Replay(RefundResult result) implements Claim {}

  record InProgress() implements Claim {}

  record Reused() implements Claim {}

  private record Pending(RefundParams params, RefundResult decided) {}

  /** A successful charge as refunds and disputes see it. */
  private static final class Account {
    final long invoiceId;
    final long amountMinor;
    final String currency;
    long refundedMinor;
    long reservedMinor;
    DisputeChange dispute;

    Account(long invoiceId, long amountMinor, String currency) {
      this.invoiceId = invoiceId;
      this.amountMinor = amountMinor;
      this.currency = currency;
    }

    long left() {
      return amountMinor - refundedMinor - reservedMinor;
    }
  }

  private final Map<String, Account> accounts = new HashMap<>();
  private final Map<String, Object> byKey = new HashMap<>(); // Pending | RefundResult
  private final Map<Long, List<RefundResult>> byInvoice = new HashMap<>();
  private final TreeMap<Long, RefundResult> refunds = new TreeMap<>();
  private final TreeMap<Long, DisputeChange> disputeChanges = new TreeMap<>();
  private final Map<String, DisputeChange> disputes = new HashMap<>();

  /** A successful charge became durable (or was replayed at start). */
  synchronized void charged(StoredResult charge) {
    accounts.put(
        charge.chargeId(),
        new Account(charge.invoiceId(), charge.amountMinor(), charge.currency()));
  }

  synchronized Claim claim(String key, RefundParams params, String refundId, Instant at) {
    switch (byKey.get(key)) {
      case null -> {}
      case Pending p -> {
        return p.params().equals(params) ? new InProgress() : new Reused();
      }
      case RefundResult r -> {
        return r.matches(params) ? new Replay(r) : new Reused();
      }
      default -> throw new IllegalStateException("unexpected slot for key " + key);
    }
    var decided = decide(key, params, refundId, at);
    if (decided.refunded()) {
      accounts.get(params.chargeId()).reservedMinor += params.amountMinor();
    }
    byKey.put(key, new Pending(params, decided));
    return new Owner(decided);
  }

  private RefundResult decide(String key, RefundParams p, String refundId, Instant at) {
    var account = accounts.get(p.chargeId());
    if (account == null || account.invoiceId != p.invoiceId()) {
      return RefundResult.refused(
          key,
          p,
          "charge_unknown",
          "no successful charge " + p.chargeId() + " for invoice " + p.invoiceId(),
          at);
    }
    if (!account.currency.equals(p.currency())) {
      return RefundResult.refused(
          key,
          p,
          "currency_mismatch",
          "charge " + p.chargeId() + " is in " + account.currency + ", not " + p.currency(),
          at);
    }
    if (account.dispute != null && account.dispute.status() != DisputeChange.Status.WON) {
      return RefundResult.refused(
          key,
          p,
          "charge_disputed",
          "charge "
              + p.chargeId()
              + " is disputed ("
              + account.dispute.status().wire()
              + "); it cannot be refunded",
          at);
    }
    if (p.amountMinor() > account.left()) {
      return RefundResult.refused(
          key,
          p,
          "over_refund",
          "refund of "
              + p.amountMinor()
              + " "
              + p.currency()
              + " is more than the "
              + account.left()
              + " left on charge "
              + p.chargeId(),
          at);
    }
    return RefundResult.refunded(key, p, refundId, at);
  }

  /** The owner failed before its result was durable: the key and its reservation are free. */
  synchronized void release(String key) {
    if (byKey.get(key) instanceof Pending p) {
      byKey.remove(key);
      if (p.decided().refunded()) {
        accounts.get(p.params().chargeId()).reservedMinor -= p.params().amountMinor();
      }
    }
  }

  /** Records a durable refund result. Called from the journal's one writer, in journal order. */
  synchronized void apply(RefundResult result) {
    var prior = byKey.put(result.key(), result);
    var account = accounts.get(result.chargeId());
    if (result.refunded()) {
      account.refundedMinor += result.amountMinor();
      if (prior instanceof Pending) { // reserved by this process; a replayed journal reserved none
        account.reservedMinor -= result.amountMinor();
      }
      refunds.put(result.refundSeq(), result);
    }
    byInvoice.computeIfAbsent(result.invoiceId(), id -> new ArrayList<>()).add(result);
  }

  /**
   * Opens a dispute over what is left of a charge, one per charge as at Stripe. Takes effect at
   * once, before its line is durable, so no refund slips in between; if the journal then fails, the
   * gateway refuses everything until a restart reads the journal's truth.
   */
  synchronized DisputeChange openDispute(String chargeId, String disputeId, Instant at) {
    var account = accounts.get(chargeId);
    if (account == null) {
      throw new GatewayError(404, "charge_unknown", "no successful charge " + chargeId);
    }
    if (account.dispute != null) {
      throw new GatewayError(
          409,
          "already_disputed",
          "charge " + chargeId + " has dispute " + account.dispute.disputeId());
    }
    if (account.left() <= 0) {
      throw new GatewayError(
          409, "nothing_to_dispute", "charge " + chargeId + " is fully refunded");
    }
    var change =
        new DisputeChange(
            0,
            disputeId,
            chargeId,
            account.invoiceId,
            account.left(),
            account.currency,
            DisputeChange.Status.OPEN,
            at);
    account.dispute = change;
    disputes.put(disputeId, change);
    return change;
  }

  synchronized DisputeChange closeDispute(
      String disputeId, DisputeChange.Status outcome, Instant at) {
    var open = disputes.get(disputeId);
    if (open == null) {
      throw new GatewayError(404, "dispute_unknown", "no dispute " + disputeId);
    }
    if (open.status() != DisputeChange.Status.OPEN) {
      throw new GatewayError(
          409, "dispute_closed", "dispute " + disputeId + " is already " + open.status().wire());
    }
    var closed = open.closed(outcome, at);
    accounts.get(open.chargeId()).dispute = closed;
    disputes.put(disputeId, closed);
    return closed;
  }

  /** Records a durable dispute change (again, for one made by this process). */
  synchronized void apply(DisputeChange change) {
    var account = accounts.get(change.chargeId());
    if (account != null) {
      account.dispute = change;
    }
    disputes.put(change.disputeId(), change);
    disputeChanges.put(change.disputeSeq(), change);
  }

  synchronized List<RefundResult> results(long invoiceId) {
    return List.copyOf(byInvoice.getOrDefault(invoiceId, List.of()));
  }

  /** Successful refunds with {@code refundSeq > after}, in order. */
  synchronized List<RefundResult> refunds(long after, int limit) {
    return refunds.tailMap(after, false).values().stream().limit(limit).toList();
  }

  /** Dispute changes with {@code disputeSeq > after}, in order. */
  synchronized List<DisputeChange> disputeChanges(long after, int limit) {
    return disputeChanges.tailMap(after, false).values().stream().limit(limit).toList();
  }
}
