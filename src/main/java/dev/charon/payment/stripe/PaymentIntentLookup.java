package dev.charon.payment.stripe;

import com.stripe.StripeClient;
import com.stripe.exception.InvalidRequestException;
import com.stripe.exception.StripeException;
import java.util.Optional;

/**
 * Reads one PaymentIntent from Stripe on demand, for the customer's part of SCA: its status, what
 * it waits for and its client secret, which a customer-facing app hands to Stripe.js to let the
 * customer authenticate. The secret is fetched each time it is asked for and goes only to the
 * caller: Charon never stores it, puts it in an event or logs it ({@link Intent#toString} leaves it
 * out).
 */
public final class PaymentIntentLookup {
  /** A PaymentIntent as the operator's endpoint answers it. */
  public record Intent(String id, String status, String nextAction, String clientSecret) {
    @Override
    public String toString() { // never print the secret
      return "Intent[id=%s, status=%s, nextAction=%s]".formatted(id, status, nextAction);
    }
  }

  private final StripeClient client;

  public PaymentIntentLookup(StripeSettings settings) {
    this(
        StripeClient.builder()
            .setApiKey(settings.apiKey())
            .setApiBase(settings.baseUrl().toString().replaceAll("/+$", ""))
            .setConnectTimeout(Math.toIntExact(settings.connectTimeout().toMillis()))
            .setReadTimeout(Math.toIntExact(settings.readTimeout().toMillis()))
            .setMaxNetworkRetries(2) // a read: retrying is safe
            .build());
  }

  PaymentIntentLookup(StripeClient client) {
    this.client = client;
  }

  /** The intent, or empty when Stripe has none with this id; a failed read is thrown. */
  public Optional<Intent> find(String id) throws StripeException {
    com.stripe.model.PaymentIntent intent;
    try {
      intent = client.v1().paymentIntents().retrieve(id);
    } catch (InvalidRequestException e) {
      if ("resource_missing".equals(e.getCode())) {
        return Optional.empty();
      }
      throw e;
    }
    var next = intent.getNextAction() == null ? null : intent.getNextAction().getType();
    return Optional.of(
        new Intent(intent.getId(), intent.getStatus(), next, intent.getClientSecret()));
  }
}
