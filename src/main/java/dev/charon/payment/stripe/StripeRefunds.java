package dev.charon.payment.stripe;

import com.stripe.StripeClient;
import com.stripe.exception.InvalidRequestException;
import com.stripe.exception.StripeException;
import com.stripe.model.Refund;
import com.stripe.net.RequestOptions;
import com.stripe.param.RefundCreateParams;
import dev.charon.payment.PaymentProviderException;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.payment.domain.RefundRequest;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refunds through Stripe's Refunds API: {@code POST /v1/refunds} on the charge (or on the
 * PaymentIntent, when the charge was made through the PaymentIntents API), with the refund's
 * idempotency key as Stripe's {@code Idempotency-Key} and the invoice, key and reason in {@code
 * metadata}. Stripe decides over-refunds and disputed charges itself, under the key, so a replay of
 * a refund that went through is answered with that refund even if the charge changed since.
 */
final class StripeRefunds {
  private static final Logger log = LoggerFactory.getLogger(StripeRefunds.class);

  static final String REASON = "charon_reason";

  private final StripeClient client;
  private final MeterRegistry metrics;

  StripeRefunds(StripeClient client, MeterRegistry metrics) {
    this.client = client;
    this.metrics = metrics;
  }

  RefundOutcome refund(RefundRequest request) {
    // A refund takes no currency: Stripe refunds in the charge's. Checked first, with a read that
    // changes nothing, because the currency of a charge never changes (unlike what remains
    // refundable, which only Stripe may judge, under the key).
    var currency = chargeCurrency(request);
    if (currency.isPresent()) {
      return currency.get();
    }
    var builder = RefundCreateParams.builder();
    if (isPaymentIntent(request)) {
      builder.setPaymentIntent(request.chargeReference());
    } else {
      builder.setCharge(request.chargeReference());
    }
    var params =
        builder
            .setAmount(StripeAmounts.toStripe(request.amount()))
            .putMetadata(StripePaymentProvider.INVOICE_ID, Long.toString(request.invoiceId()))
            .putMetadata(StripePaymentProvider.IDEMPOTENCY_KEY, request.idempotencyKey())
            .putMetadata(REASON, request.reason())
            .build();
    var options = RequestOptions.builder().setIdempotencyKey(request.idempotencyKey()).build();
    RefundOutcome outcome;
    try {
      outcome = refunded(request, client.v1().refunds().create(params, options));
    } catch (StripeException e) {
      outcome = StripeRefundOutcomes.of(request, e);
      log.info(
          "Stripe answered the refund of invoice {} key {} with HTTP {} {} (request {}): {}",
          request.invoiceId(),
          request.idempotencyKey(),
          e.getStatusCode(),
          e.getCode(),
          e.getRequestId(),
          outcome);
    }
    metrics.counter("charon.stripe.refund.answers", "answer", answerName(outcome)).increment();
    return outcome;
  }

  /**
   * A payment made through PaymentIntents is known by its {@code pi_} id (the PaymentIntents path's
   * provider reference), one made through the Charges API by its {@code ch_}/{@code py_} id.
   */
  private static boolean isPaymentIntent(RefundRequest request) {
    return request.chargeReference().startsWith("pi_");
  }

  /**
   * The currency of what was charged: a PaymentIntent ({@code pi_...}, the PaymentIntents API) or a
   * charge ({@code ch_...}, the Charges API), whichever reference the charge answered with.
   */
  private Optional<RefundOutcome> chargeCurrency(RefundRequest request) {
    String currency;
    try {
      currency =
          paymentIntent(request)
              ? client.v1().paymentIntents().retrieve(request.chargeReference()).getCurrency()
              : client.v1().charges().retrieve(request.chargeReference()).getCurrency();
    } catch (InvalidRequestException e) {
      if (Integer.valueOf(404).equals(e.getStatusCode())) {
        return Optional.of(
            new RefundOutcome.Refused(
                RefundOutcome.Refused.CHARGE_UNKNOWN,
                "Stripe has no charge " + request.chargeReference()));
      }
      return Optional.of(StripeRefundOutcomes.of(request, e));
    } catch (StripeException e) {
      // Reading a charge refunds nothing: whatever went wrong, nothing happened yet.
      return Optional.of(
          new RefundOutcome.Unavailable(
              "cannot read charge " + request.chargeReference() + ": " + e));
    }
    if (!StripeAmounts.currencyCode(request.amount()).equalsIgnoreCase(currency)) {
      return Optional.of(
          new RefundOutcome.Refused(
              RefundOutcome.Refused.CURRENCY_MISMATCH,
              "charge "
                  + request.chargeReference()
                  + " is in "
                  + currency
                  + ", not "
                  + request.amount().currency()));
    }
    return Optional.empty();
  }

  private static boolean paymentIntent(RefundRequest request) {
    return request.chargeReference().startsWith("pi_");
  }

  private RefundOutcome refunded(RefundRequest request, Refund refund) {
    var refunded = isPaymentIntent(request) ? refund.getPaymentIntent() : refund.getCharge();
    if (refund.getAmount() != StripeAmounts.toStripe(request.amount())
        || !request.chargeReference().equals(refunded)) {
      throw new PaymentProviderException(
          "Stripe refunded "
              + refund.getAmount()
              + " of "
              + refunded
              + " for "
              + request.amount()
              + " of "
              + request.chargeReference(),
          request,
          200,
          refund.getId());
    }
    // "pending" is a refund Stripe accepted and will complete; only "failed"/"canceled" give the
    // money back to the merchant, and those arrive later as events, not in this answer.
    boolean replayed =
        refund.getLastResponse() != null
            && refund
                .getLastResponse()
                .headers()
                .firstValue("Idempotent-Replayed")
                .map("true"::equalsIgnoreCase)
                .orElse(false);
    log.info(
        "Stripe {} refund {} of {} on charge {} for invoice {} (key {}, status {})",
        replayed ? "replayed" : "made",
        refund.getId(),
        request.amount(),
        request.chargeReference(),
        request.invoiceId(),
        request.idempotencyKey(),
        refund.getStatus());
    return new RefundOutcome.Refunded(refund.getId());
  }

  private static String answerName(RefundOutcome outcome) {
    return switch (outcome) {
      case RefundOutcome.Refunded r -> "refunded";
      case RefundOutcome.Refused r -> "refused_" + r.code();
      case RefundOutcome.Unavailable u -> "unavailable";
      case RefundOutcome.Unknown u -> "unknown";
    };
  }
}
