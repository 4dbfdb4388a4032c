package dev.charon.payment.fake;

import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.PaymentProviderException;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.payment.domain.RefundRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The simulated provider's refunds and disputes, with the gateway's rules: a key's first result is
 * stored and replayed before any rule is judged (so a replay of a refund that went through is that
 * refund, even after a dispute opened since), a key reused with other parameters is a bug (thrown),
 * and a refund is refused when its charge is unknown, in another currency, disputed, or has less
 * left than asked. One lock: refunds are rare next to charges, and the over-refund rule needs the
 * charge's refunds so far to be settled while it is judged.
 */
public final class SimulatedRefunds {

  /** One stored refund result: what was asked, what was answered, when. */
  public record RefundEntry(RefundRequest request, RefundOutcome outcome, Instant at) {
    public boolean refunded() {
      return outcome instanceof RefundOutcome.Refunded;
    }
  }

  /** A dispute's state; OPEN and LOST freeze the charge for refunds, LOST takes its money. */
  public enum DisputeStatus {
    OPEN,
    WON,
    LOST
  }

  private record Charge(long invoiceId, Money amount) {}

  private record Dispute(DisputeStatus status, Money amount) {}

  private final Map<String, Charge> charges = new HashMap<>();
  private final Map<String, RefundEntry> byKey = new HashMap<>();
  private final Map<String, Long> refundedMinor = new HashMap<>();
  private final Map<String, Dispute> disputes = new HashMap<>();
  private final List<RefundEntry> ledger = new ArrayList<>();

  synchronized void charged(String reference, long invoiceId, Money amount) {
    charges.put(reference, new Charge(invoiceId, amount));
  }

  /** The stored result of this key, if it was processed; throws on a key reused differently. */
  synchronized RefundOutcome replay(RefundRequest request) {
    var prior = byKey.get(request.idempotencyKey());
    if (prior == null) {
      return null;
    }
    if (!prior.request().equals(request)) {
      throw new PaymentProviderException(
          "idempotency key reused with other parameters", request, 0, prior.request().toString());
    }
    return prior.outcome();
  }

  synchronized RefundOutcome refund(RefundRequest request, String refundId, Instant at) {
    var replayed = replay(request);
    if (replayed != null) {
      return replayed;
    }
    var outcome = decide(request, refundId);
    var entry = new RefundEntry(request, outcome, at);
    byKey.put(request.idempotencyKey(), entry);
    ledger.add(entry);
    if (entry.refunded()) {
      refundedMinor.merge(request.chargeReference(), request.amount().minorUnits(), Long::sum);
    }
    return outcome;
  }

  private RefundOutcome decide(RefundRequest request, String refundId) {
    var charge = charges.get(request.chargeReference());
    if (charge == null || charge.invoiceId() != request.invoiceId()) {
      return new RefundOutcome.Refused(
          RefundOutcome.Refused.CHARGE_UNKNOWN,
          "no charge " + request.chargeReference() + " for invoice " + request.invoiceId());
    }
    if (charge.amount().currency() != request.amount().currency()) {
      return new RefundOutcome.Refused(
          RefundOutcome.Refused.CURRENCY_MISMATCH,
          "charge " + request.chargeReference() + " is in " + charge.amount().currency());
    }
    var dispute = disputes.get(request.chargeReference());
    if (dispute != null && dispute.status() != DisputeStatus.WON) {
      return new RefundOutcome.Refused(
          RefundOutcome.Refused.CHARGE_DISPUTED,
          "charge " + request.chargeReference() + " is disputed (" + dispute.status() + ")");
    }
    long left = remaining(request.chargeReference(), charge);
    if (request.amount().minorUnits() > left) {
      return new RefundOutcome.Refused(
          RefundOutcome.Refused.OVER_REFUND,
          "refund of "
              + request.amount()
              + " is more than the "
              + Money.ofMinor(left, charge.amount().currency())
              + " left on charge "
              + request.chargeReference());
    }
    return new RefundOutcome.Refunded(refundId);
  }

  private long remaining(String reference, Charge charge) {
    return charge.amount().minorUnits() - refundedMinor.getOrDefault(reference, 0L);
  }

  /** Opens a dispute over what is left of the charge (one per charge, as at Stripe). */
  synchronized void openDispute(String reference) {
    var charge = charges.get(reference);
    if (charge == null) {
      throw new IllegalArgumentException("no charge " + reference);
    }
    if (disputes.containsKey(reference)) {
      throw new IllegalStateException("charge " + reference + " is already disputed");
    }
    disputes.put(
        reference,
        new Dispute(
            DisputeStatus.OPEN,
            Money.ofMinor(remaining(reference, charge), charge.amount().currency())));
  }

  synchronized void closeDispute(String reference, boolean won) {
    var dispute = disputes.get(reference);
    if (dispute == null || dispute.status() != DisputeStatus.OPEN) {
      throw new IllegalStateException("charge " + reference + " has no open dispute");
    }
    disputes.put(
        reference, new Dispute(won ? DisputeStatus.WON : DisputeStatus.LOST, dispute.amount()));
  }

  synchronized List<RefundEntry> ledger() {
    return List.copyOf(ledger);
  }

  /** Money refunded, per currency. */
  synchronized Map<Currency, Money> refundedTotals() {
    var totals = new TreeMap<Currency, Money>();
    for (var e : ledger) {
      if (e.refunded()) {
        totals.merge(e.request().amount().currency(), e.request().amount(), SimulatedRefunds::sum);
      }
    }
    return totals;
  }

  /** Money taken back by lost disputes, per currency. */
  synchronized Map<Currency, Money> lostDisputeTotals() {
    var totals = new TreeMap<Currency, Money>();
    for (var d : disputes.values()) {
      if (d.status() == DisputeStatus.LOST) {
        totals.merge(d.amount().currency(), d.amount(), SimulatedRefunds::sum);
      }
    }
    return totals;
  }

  private static Money sum(Money a, Money b) {
    return Money.ofMinor(Math.addExact(a.minorUnits(), b.minorUnits()), a.currency());
  }
}
