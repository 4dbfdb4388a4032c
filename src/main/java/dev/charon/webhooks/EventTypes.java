package dev.charon.webhooks;

import java.util.List;

/**
 * The event types an endpoint can subscribe to: every type the outbox triggers write (V5, V70) and
 * the standing audit's.
 */
public final class EventTypes {
  public static final List<String> KNOWN =
      List.of(
          "invoice.paid",
          "invoice.payment_failed",
          "invoice.action_required",
          "invoice.uncollectible",
          "invoice.voided",
          "invoice.refunded",
          "invoice.disputed",
          "credit_note.created",
          "dispute.closed",
          "billing_run.started",
          "billing_run.finished",
          "audit.difference_found",
          "audit.cleared");

  private EventTypes() {}
}
