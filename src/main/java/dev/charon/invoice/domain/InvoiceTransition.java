package dev.charon.invoice.domain;

import static dev.charon.invoice.domain.InvoiceStatus.ACTION_REQUIRED;
import static dev.charon.invoice.domain.InvoiceStatus.DISPUTED;
import static dev.charon.invoice.domain.InvoiceStatus.PAID;
import static dev.charon.invoice.domain.InvoiceStatus.PARTIALLY_REFUNDED;
import static dev.charon.invoice.domain.InvoiceStatus.PENDING;
import static dev.charon.invoice.domain.InvoiceStatus.PROCESSING;
import static dev.charon.invoice.domain.InvoiceStatus.REFUNDED;
import static dev.charon.invoice.domain.InvoiceStatus.RETRY_SCHEDULED;
import static dev.charon.invoice.domain.InvoiceStatus.UNCOLLECTIBLE;

import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The invoice lifecycle: every status change Charon makes, the statuses it may start from, the one
 * it ends in, and who makes it. Code that changes an invoice's status names its transition here,
 * and SQL that does takes its status names from it ({@link #sqlFrom}, {@link #sqlTo}), so no path
 * reaches a status this type does not list. Each change is written with a reason and an actor
 * ({@link StatusChange}), which the history trigger records. A transition with no {@code from}
 * creates the invoice.
 */
public enum InvoiceTransition {
  /** A new invoice, created through the API. */
  CREATE(Set.of(), PENDING, Actor.API_CALLER),
  /** A billing run creates a subscription's invoice for its period (issue 15). */
  CREATE_FROM_SUBSCRIPTION(Set.of(), PENDING, Actor.BILLING_RUN),
  /** Seeded data: the current period's invoice, due. */
  SEED_DUE(Set.of(), PENDING, Actor.SEED),
  /** Seeded data: an earlier period's invoice, already paid. */
  SEED_PAID(Set.of(), PAID, Actor.SEED),
  /** A billing run turns a due invoice into a charge request (the transactional outbox). */
  ENQUEUE(Set.of(PENDING), PROCESSING, Actor.BILLING_RUN),
  /** The retry task enqueues an invoice whose next attempt is due. */
  ENQUEUE_RETRY(Set.of(RETRY_SCHEDULED), PROCESSING, Actor.RETRY_TASK),
  /**
   * The customer's credit balance covers the whole invoice when its run produces it: paid without a
   * provider call (issue 24).
   */
  PAY_WITH_CREDIT(Set.of(PENDING), PAID, Actor.BILLING_RUN),
  /** The provider charged it. */
  PAY(Set.of(PROCESSING), PAID, Actor.WORKER),
  /** A retryable failure: dunning after a decline, backoff after an outage. */
  SCHEDULE_RETRY(Set.of(PROCESSING), RETRY_SCHEDULED, Actor.WORKER),
  /** An operator must fix the cause (customer unknown at the provider, currency mismatch). */
  REQUIRE_ACTION(Set.of(PROCESSING), ACTION_REQUIRED, Actor.WORKER),
  /** Dunning is exhausted. */
  GIVE_UP(Set.of(PROCESSING), UNCOLLECTIBLE, Actor.WORKER),
  /** An operator asks for another charge soon. */
  RETRY(Set.of(ACTION_REQUIRED, UNCOLLECTIBLE), RETRY_SCHEDULED, Actor.API_CALLER),
  /**
   * The customer's payment method was updated: an invoice a hard decline stopped goes back to
   * dunning, due at once (issue 15).
   */
  RETRY_WITH_NEW_PAYMENT_METHOD(Set.of(ACTION_REQUIRED), RETRY_SCHEDULED, Actor.API_CALLER),
  /**
   * The provider's ledger holds a charge of the invoice that the database does not show (it forgot
   * it: an asynchronous failover, a point-in-time restore): the reconciliation records it (issue
   * 27). From PROCESSING too: the charge the worker would have recorded is the one adopted, under
   * the same guard (the attempt completes only while UNKNOWN), so a worker's late result is
   * dropped.
   */
  ADOPT(
      Set.of(PENDING, PROCESSING, RETRY_SCHEDULED, ACTION_REQUIRED, UNCOLLECTIBLE),
      PAID,
      Actor.RECONCILIATION),
  /**
   * The provider reports that a payment it left waiting succeeded (issue 28): the customer
   * authenticated a PaymentIntent that required action (SCA), or a processing one settled ({@code
   * payment_intent.succeeded}). The attempt that created it is recorded CHARGED. From PROCESSING
   * only while no other attempt is in flight (provider.PaymentIntentSettler checks it); from the
   * failure states because the money was taken whatever Charon had decided meanwhile.
   */
  CONFIRM_PAYMENT(
      Set.of(PROCESSING, RETRY_SCHEDULED, ACTION_REQUIRED, UNCOLLECTIBLE), PAID, Actor.PROVIDER),
  /** An operator cancels the invoice. */
  VOID(
      Set.of(PENDING, RETRY_SCHEDULED, ACTION_REQUIRED, UNCOLLECTIBLE),
      InvoiceStatus.VOID,
      Actor.API_CALLER),
  /** An operator gives up on the invoice. */
  MARK_UNCOLLECTIBLE(
      Set.of(PENDING, RETRY_SCHEDULED, ACTION_REQUIRED), UNCOLLECTIBLE, Actor.API_CALLER),
  /**
   * A refund succeeded at the provider and part of the charge remains: recorded for the operator
   * who asked for it (issue 24).
   */
  REFUND_PARTLY(Set.of(PAID, PARTIALLY_REFUNDED), PARTIALLY_REFUNDED, Actor.API_CALLER),
  /** A refund succeeded at the provider and nothing charged remains. */
  REFUND_WHOLLY(Set.of(PAID, PARTIALLY_REFUNDED), REFUNDED, Actor.API_CALLER),
  /** The provider reports a dispute (chargeback) opened on the charge. */
  DISPUTE(Set.of(PAID, PARTIALLY_REFUNDED), DISPUTED, Actor.PROVIDER),
  /** The provider reports the dispute closed in the merchant's favour: the money stays. */
  CLOSE_DISPUTE_WON(Set.of(DISPUTED), PAID, Actor.PROVIDER),
  /** As {@link #CLOSE_DISPUTE_WON}, for an invoice that had been partly refunded before. */
  CLOSE_DISPUTE_WON_REFUNDED(Set.of(DISPUTED), PARTIALLY_REFUNDED, Actor.PROVIDER);

  /** Who makes a transition. System actors have a fixed name; the others are named per change. */
  public enum Actor {
    /** The caller of the REST API, named by its API key. */
    API_CALLER(null),
    BILLING_RUN("billing-run"),
    RETRY_TASK("retry-task"),
    /** A charge worker, named by its worker name. */
    WORKER(null),
    SEED("seed"),
    /**
     * The payment provider, reporting what happened at its side (disputes, a payment that waited).
     */
    PROVIDER("provider"),
    /** Adopting the provider's charges into the database (reconcile.ProviderAdoption). */
    RECONCILIATION("reconciliation");

    private final String fixedName;

    Actor(String fixedName) {
      this.fixedName = fixedName;
    }

    /** The name a system actor is recorded under; null for actors named per change. */
    public String fixedName() {
      return fixedName;
    }
  }

  private final Set<InvoiceStatus> from;
  private final InvoiceStatus to;
  private final Actor actor;

  InvoiceTransition(Set<InvoiceStatus> from, InvoiceStatus to, Actor actor) {
    this.from = from.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(from));
    this.to = to;
    this.actor = actor;
  }

  public Set<InvoiceStatus> from() {
    return from;
  }

  public InvoiceStatus to() {
    return to;
  }

  public Actor actor() {
    return actor;
  }

  /** True for transitions that create an invoice rather than move one. */
  public boolean creates() {
    return from.isEmpty();
  }

  public boolean allowedFrom(InvoiceStatus status) {
    return from.contains(status);
  }

  /**
   * This transition made by {@code actor} for {@code reason}; refuses a blank reason or a wrong
   * actor.
   */
  public StatusChange by(String actor, String reason) {
    return new StatusChange(this, actor, reason);
  }

  /** This transition by its system actor (billing run, retry task, seed). */
  public StatusChange because(String reason) {
    if (actor.fixedName() == null) {
      throw new IllegalStateException(
          this + " is made by a named " + actor + ", not a system actor");
    }
    return new StatusChange(this, actor.fixedName(), reason);
  }

  /** The statuses it starts from as SQL literals, for {@code status in (...)}; sorted. */
  public String sqlFrom() {
    if (from.isEmpty()) {
      throw new IllegalStateException(this + " creates an invoice; it has no status to start from");
    }
    return from.stream().sorted().map(InvoiceTransition::literal).collect(Collectors.joining(", "));
  }

  /** The status it ends in as an SQL literal. */
  public String sqlTo() {
    return literal(to);
  }

  /** The system actor's name as an SQL literal. */
  public String sqlActor() {
    return "'" + because("-").actor() + "'";
  }

  // Enum names are [A-Z_]: safe to inline, and a literal lets the planner match partial indexes.
  private static String literal(InvoiceStatus status) {
    return "'" + status.name() + "'";
  }

  /** One status change as written: the transition, who made it, and why. */
  public record StatusChange(InvoiceTransition transition, String actor, String reason) {
    public StatusChange {
      if (actor == null || actor.isBlank()) {
        throw new IllegalArgumentException(transition + " needs an actor");
      }
      if (reason == null || reason.isBlank()) {
        throw new IllegalArgumentException(transition + " needs a reason");
      }
      var fixed = transition.actor().fixedName();
      if (fixed != null && !fixed.equals(actor)) {
        throw new IllegalArgumentException(transition + " is made by " + fixed + ", not " + actor);
      }
    }
  }
}
