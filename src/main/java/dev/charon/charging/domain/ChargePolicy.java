package dev.charon.charging.domain;

import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.DeclineCode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * The settlement rules (DESIGN.md flow step 5) as a pure function: outcome + history counts + now →
 * {@link Decision}. Soft declines follow the dunning schedule, then UNCOLLECTIBLE; a hard decline
 * ({@link DeclineCode}) needs a new payment method; an unknown customer or currency needs an
 * operator; an unavailable provider is retried with backoff; an unknown result is reconciled with
 * the same key, never charged afresh, even when a reconciling call finds the provider unavailable.
 */
public record ChargePolicy(
    List<Duration> dunningSchedule,
    Backoff unavailableBackoff,
    Backoff reconcileBackoff,
    Dunning dunning) {
  public static final List<Duration> DEFAULT_DUNNING =
      List.of(Duration.ofDays(1), Duration.ofDays(3), Duration.ofDays(7));

  /** The reason of an invoice that a hard decline stopped; the console and API show it as is. */
  public static final String NEEDS_PAYMENT_METHOD = "needs a new payment method";

  public ChargePolicy {
    dunningSchedule = List.copyOf(dunningSchedule);
  }

  /** The fixed dunning schedule. */
  public ChargePolicy(
      List<Duration> dunningSchedule, Backoff unavailableBackoff, Backoff reconcileBackoff) {
    this(dunningSchedule, unavailableBackoff, reconcileBackoff, Dunning.fixed(dunningSchedule));
  }

  /** The same backoffs with another dunning strategy (the simulator compares them). */
  public ChargePolicy withDunning(Dunning other) {
    return new ChargePolicy(dunningSchedule, unavailableBackoff, reconcileBackoff, other);
  }

  /**
   * @param declinesBefore soft-declined attempts before this one (hard declines do not use up the
   *     dunning schedule: they wait for a new payment method instead)
   * @param unavailableBefore unavailable attempts before this one
   * @param reconcileCalls calls made with this attempt's key, this one included (more than one: an
   *     earlier call's result was never learned)
   */
  public Decision decide(
      ChargeOutcome outcome,
      int declinesBefore,
      int unavailableBefore,
      int reconcileCalls,
      Instant now,
      DoubleSupplier random) {
    return switch (outcome) {
      case ChargeOutcome.Charged c -> new Decision.Paid(c.providerReference(), now);
      // A hard decline (lost, stolen, expired card...) fails the same way on every retry: no
      // blind retries; the invoice waits for the customer's new payment method, whose update
      // through the API moves it back to dunning (customer.PaymentMethods).
      case ChargeOutcome.Declined d when DeclineCode.isHard(d.reason()) ->
          new Decision.NeedsAction(NEEDS_PAYMENT_METHOD + " (declined: " + d.reason() + ")");
      case ChargeOutcome.Declined d -> {
        // The card networks' rules come before any schedule: a retry they forbid draws fees and
        // cannot succeed, so the invoice waits for the customer instead.
        var forbidden = NetworkRetryRules.published().refusal(d.detail(), declinesBefore + 1);
        if (forbidden.isPresent()) {
          yield new Decision.NeedsAction(
              "declined (%s); %s".formatted(d.reason(), forbidden.get()));
        }
        var next = dunning.nextRetry(declinesBefore, now, d.reason());
        if (next.isPresent()) {
          yield new Decision.RetryAt(
              next.get(),
              "declined (%s); dunning retry %d of %d"
                  .formatted(d.reason(), declinesBefore + 1, dunning.retries()));
        }
        yield new Decision.Uncollectible(
            "declined (%s) after %d dunning retries".formatted(d.reason(), dunning.retries()));
      }
      case ChargeOutcome.CustomerNotFound n ->
          new Decision.NeedsAction("customer not found at provider: " + n.detail());
      case ChargeOutcome.CurrencyMismatch m ->
          new Decision.NeedsAction("currency mismatch at provider: " + m.detail());
      // "Unavailable" means this call was refused before anything was processed. It says nothing
      // about an earlier call with the same key whose result was lost: closing the attempt here
      // and opening a new key later would charge twice (found by ChaosIT, gateway outage and
      // gateway restart). Such an attempt stays open and is reconciled once the provider is back.
      case ChargeOutcome.Unavailable u when reconcileCalls > 1 ->
          new Decision.Reconcile(
              now.plus(reconcileBackoff.delay(reconcileCalls, random)),
              "provider unavailable ("
                  + u.detail()
                  + ") while reconciling; the earlier call's result is still unknown,"
                  + " keeping the key");
      case ChargeOutcome.Unavailable u ->
          new Decision.RetryAt(
              now.plus(unavailableBackoff.delay(unavailableBefore + 1, random)),
              "provider unavailable (" + u.detail() + ")");
      case ChargeOutcome.Unknown u ->
          new Decision.Reconcile(
              now.plus(reconcileBackoff.delay(reconcileCalls, random)),
              "result unknown (" + u.detail() + "); reconciling with the same key");
    };
  }
}
