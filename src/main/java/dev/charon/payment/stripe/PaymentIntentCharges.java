package dev.charon.payment.stripe;

import com.stripe.StripeClient;
import com.stripe.exception.StripeException;
import com.stripe.model.PaymentIntent;
import com.stripe.net.RequestOptions;
import com.stripe.param.PaymentIntentCreateParams;
import dev.charon.payment.PaymentProviderException;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.domain.DeclineCode;
import dev.charon.payment.domain.DeclineDetail;
import java.util.Objects;
import java.util.Optional;

/**
 * Charges through PaymentIntents (the default Stripe path): an off-session PaymentIntent, confirmed
 * at once, on the Stripe customer's default payment method, with the attempt's key as {@code
 * Idempotency-Key} and the invoice and key in metadata. Every status it can come back with has its
 * outcome (the table in docs/architecture.md, "Stripe answers"):
 *
 * <ul>
 *   <li>{@code succeeded}: charged; the PaymentIntent id is the provider reference.
 *   <li>{@code requires_action}: the bank wants the customer to authenticate (SCA): declined with
 *       {@code authentication_required}, a hard decline, so dunning never retries it and the
 *       invoice waits for the customer; the PaymentIntent id travels in the decline's detail.
 *   <li>{@code requires_payment_method}: declined with {@code last_payment_error}'s decline code
 *       and its advice codes.
 *   <li>{@code processing}: not settled yet: looked up once more by id, and, if still processing,
 *       an unknown result, reconciled later under the same key.
 *   <li>anything else ({@code requires_confirmation}, {@code requires_capture}, {@code canceled}):
 *       impossible for a confirmed, automatically captured PaymentIntent: loud.
 * </ul>
 */
final class PaymentIntentCharges {
  private final StripeClient client;

  PaymentIntentCharges(StripeClient client) {
    this.client = client;
  }

  /** What the charge came to, or the Stripe error the caller maps (a decline, a 5xx, ...). */
  ChargeOutcome charge(ChargeRequest request) throws StripeException {
    var method = defaultPaymentMethod(request);
    if (method.isEmpty()) {
      return new ChargeOutcome.CustomerNotFound(
          "the Stripe customer "
              + request.customerReference()
              + " does not exist or has no default payment method"
              + " (invoice_settings.default_payment_method or default_source)");
    }
    var params =
        PaymentIntentCreateParams.builder()
            .setAmount(StripeAmounts.toStripe(request.amount()))
            .setCurrency(StripeAmounts.currencyCode(request.amount()))
            .setCustomer(request.customerReference())
            .setPaymentMethod(method.get())
            .setConfirm(true)
            .setOffSession(true)
            .setDescription("Charon invoice " + request.invoiceId())
            .putMetadata(StripePaymentProvider.INVOICE_ID, Long.toString(request.invoiceId()))
            .putMetadata(StripePaymentProvider.IDEMPOTENCY_KEY, request.idempotencyKey())
            .build();
    var options = RequestOptions.builder().setIdempotencyKey(request.idempotencyKey()).build();
    var intent = client.v1().paymentIntents().create(params, options);
    if ("processing".equals(intent.getStatus())) {
      // A replay of the key answers what the first call saw; the intent itself may have moved on.
      intent = client.v1().paymentIntents().retrieve(intent.getId());
    }
    return outcome(request, intent);
  }

  static ChargeOutcome outcome(ChargeRequest request, PaymentIntent intent) {
    var status = Objects.requireNonNullElse(intent.getStatus(), "");
    return switch (status) {
      case "succeeded" -> {
        if (!Objects.equals(intent.getAmount(), StripeAmounts.toStripe(request.amount()))
            || !StripeAmounts.currencyCode(request.amount())
                .equalsIgnoreCase(intent.getCurrency())) {
          throw new PaymentProviderException(
              "Stripe charged "
                  + intent.getAmount()
                  + " "
                  + intent.getCurrency()
                  + " for "
                  + request.amount(),
              request,
              200,
              intent.getId());
        }
        yield new ChargeOutcome.Charged(intent.getId());
      }
      case "requires_action" ->
          new ChargeOutcome.Declined(
              DeclineCode.AUTHENTICATION_REQUIRED.code(),
              new DeclineDetail(intent.getId(), null, null, null, null));
      case "requires_payment_method" -> {
        var error = intent.getLastPaymentError();
        if (error == null) {
          throw new PaymentProviderException(
              "Stripe left PaymentIntent " + intent.getId() + " without a payment method or error",
              request,
              200,
              intent.getId());
        }
        var code = error.getDeclineCode() != null ? error.getDeclineCode() : error.getCode();
        yield new ChargeOutcome.Declined(
            code == null ? "card_declined" : code, StripeOutcomes.detail(intent.getId(), error));
      }
      case "processing" ->
          new ChargeOutcome.Unknown(
              "PaymentIntent " + intent.getId() + " is processing; settled by a later look");
      default ->
          throw new PaymentProviderException(
              "Stripe answered PaymentIntent " + intent.getId() + " with status " + status,
              request,
              200,
              intent.getId());
    };
  }

  /**
   * The customer's default payment method: {@code invoice_settings.default_payment_method}, else
   * the legacy {@code default_source} ({@code card_}/{@code src_} ids work as a PaymentIntent's
   * payment method while an account migrates). Reading the customer charges nothing, so a failed
   * read is for the caller to map as any error: a refused connection is unavailable.
   */
  private Optional<String> defaultPaymentMethod(ChargeRequest request) throws StripeException {
    com.stripe.model.Customer customer;
    try {
      customer = client.v1().customers().retrieve(request.customerReference());
    } catch (com.stripe.exception.InvalidRequestException e) {
      if ("resource_missing".equals(e.getCode())) {
        return Optional.empty();
      }
      throw e;
    }
    if (Boolean.TRUE.equals(customer.getDeleted())) {
      return Optional.empty();
    }
    var settings = customer.getInvoiceSettings();
    if (settings != null && settings.getDefaultPaymentMethod() != null) {
      return Optional.of(settings.getDefaultPaymentMethod());
    }
    return Optional.ofNullable(customer.getDefaultSource());
  }
}
