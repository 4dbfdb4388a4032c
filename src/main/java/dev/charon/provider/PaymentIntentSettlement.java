package dev.charon.provider;

import dev.charon.money.Money;
import java.util.Optional;

/**
 * The extension point for issue 28: a PaymentIntent's final outcome reported by Stripe ({@code
 * payment_intent.succeeded}, {@code payment_intent.payment_failed}) settles the invoice that was
 * waiting for it (ACTION_REQUIRED after {@code authentication_required}, or an attempt left pending
 * on {@code processing}). The event is stored and deduplicated by its id before this is called, and
 * called again only if it threw; the implementation must still guard its state change (the same
 * outcome can also come from a backstop), so an invoice is settled exactly once.
 */
@FunctionalInterface
public interface PaymentIntentSettlement {
  /**
   * What Stripe said about one PaymentIntent. {@code invoiceId} and {@code idempotencyKey} come
   * from the intent's metadata (empty for an intent Charon did not create); {@code amount} is empty
   * in a currency Charon does not bill in.
   */
  record PaymentIntentEvent(
      String eventId,
      String type,
      String paymentIntentId,
      String status,
      Optional<Long> invoiceId,
      Optional<String> idempotencyKey,
      Optional<Money> amount,
      Optional<String> latestCharge,
      Optional<String> declineCode,
      Optional<String> failureMessage) {
    public boolean succeeded() {
      return "payment_intent.succeeded".equals(type);
    }
  }

  EventOutcome settle(PaymentIntentEvent event);

  /** Until a settlement is plugged in: such events are stored and marked IGNORED, with why. */
  PaymentIntentSettlement NONE =
      event ->
          EventOutcome.ignored(
              "no PaymentIntent settlement is configured; "
                  + event.type()
                  + " for "
                  + event.paymentIntentId()
                  + " is kept");
}
