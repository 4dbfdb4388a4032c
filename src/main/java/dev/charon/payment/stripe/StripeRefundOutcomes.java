package dev.charon.payment.stripe;

import com.stripe.exception.ApiConnectionException;
import com.stripe.exception.IdempotencyException;
import com.stripe.exception.InvalidRequestException;
import com.stripe.exception.RateLimitException;
import com.stripe.exception.StripeException;
import dev.charon.payment.PaymentProviderException;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.payment.domain.RefundRequest;
import java.net.ConnectException;
import java.util.Objects;

/**
 * What each error answer of Stripe's Refunds API means for Charon, by the charge path's rules
 * ({@link StripeOutcomes}): only a 429 or a refused connection say "nothing happened" besides
 * Stripe's own business refusals, which become {@link RefundOutcome.Refused} with Charon's codes.
 */
final class StripeRefundOutcomes {
  private StripeRefundOutcomes() {}

  static RefundOutcome of(RefundRequest request, StripeException e) {
    int status = Objects.requireNonNullElse(e.getStatusCode(), 0);
    var code = Objects.requireNonNullElse(e.getCode(), "");
    if (status == 409 || "idempotency_key_in_use".equals(code)) {
      return new RefundOutcome.Unknown(
          "Stripe is still processing this key (HTTP " + status + ", " + code + ")");
    }
    return switch (e) {
      case IdempotencyException idem ->
          throw new PaymentProviderException(
              "Stripe refused an idempotency key reused with other parameters",
              request,
              status,
              e.getMessage());
      case RateLimitException rate ->
          RefundOutcome.Unavailable.throttled(
              "Stripe rate limit (HTTP 429, " + code + ")", StripeOutcomes.throttle(rate));
      case InvalidRequestException invalid -> invalid(request, invalid, status, code);
      case ApiConnectionException connection ->
          connection.getCause() instanceof ConnectException refused
              ? new RefundOutcome.Unavailable("cannot connect to Stripe: " + refused.getMessage())
              : new RefundOutcome.Unknown(
                  "connection to Stripe failed after the request may have been sent: "
                      + connection.getCause());
      default -> {
        if (status >= 500) {
          yield new RefundOutcome.Unknown(
              "Stripe failed with HTTP " + status + " (" + e.getMessage() + ")");
        }
        throw new PaymentProviderException(
            "Stripe refused the request (" + e.getClass().getSimpleName() + ")",
            request,
            status,
            e.getMessage());
      }
    };
  }

  private static RefundOutcome invalid(
      RefundRequest request, InvalidRequestException e, int status, String code) {
    var param = Objects.requireNonNullElse(e.getParam(), "");
    var message = message(e);
    return switch (code) {
      // Everything already refunded, or (no code, param amount) more than what remains: Stripe's
      // "Refund amount ($X) is greater than unrefunded amount on charge ($Y)".
      case "charge_already_refunded" ->
          new RefundOutcome.Refused(RefundOutcome.Refused.OVER_REFUND, message);
      case "charge_disputed" ->
          new RefundOutcome.Refused(RefundOutcome.Refused.CHARGE_DISPUTED, message);
      case "resource_missing" ->
          new RefundOutcome.Refused(RefundOutcome.Refused.CHARGE_UNKNOWN, message);
      case "", "amount_too_large" -> {
        if ("amount".equals(param)) {
          yield new RefundOutcome.Refused(RefundOutcome.Refused.OVER_REFUND, message);
        }
        throw new PaymentProviderException(
            "Stripe rejected the refund (" + code + ", param " + param + ")",
            request,
            status,
            e.getMessage());
      }
      default ->
          throw new PaymentProviderException(
              "Stripe rejected the refund (" + code + ", param " + param + ")",
              request,
              status,
              e.getMessage());
    };
  }

  private static String message(StripeException e) {
    return e.getStripeError() != null && e.getStripeError().getMessage() != null
        ? e.getStripeError().getMessage()
        : e.getMessage();
  }
}
