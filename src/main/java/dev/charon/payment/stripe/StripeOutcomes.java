package dev.charon.payment.stripe;

import com.stripe.exception.ApiConnectionException;
import com.stripe.exception.CardException;
import com.stripe.exception.IdempotencyException;
import com.stripe.exception.InvalidRequestException;
import com.stripe.exception.RateLimitException;
import com.stripe.exception.StripeException;
import com.stripe.model.StripeError;
import dev.charon.payment.PaymentProviderException;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.domain.DeclineDetail;
import dev.charon.payment.domain.Throttle;
import java.net.ConnectException;
import java.util.Objects;

/**
 * What each error answer of Stripe's Charges API means for Charon (the table in
 * docs/architecture.md, "Stripe answers"). Every branch answers the adapter's one question: can
 * this request have been processed? Only answers that say "no" (a 429, a refused connection) may be
 * {@link ChargeOutcome.Unavailable}; everything that can follow processing is {@link
 * ChargeOutcome.Unknown} and reconciled by sending the same key again.
 */
final class StripeOutcomes {
  private StripeOutcomes() {}

  static ChargeOutcome of(ChargeRequest request, StripeException e) {
    int status = Objects.requireNonNullElse(e.getStatusCode(), 0);
    var code = Objects.requireNonNullElse(e.getCode(), "");
    // 409 idempotency_key_in_use: another request with this key is still being processed (a
    // duplicate delivery's); its result is learned by asking again later with the same key.
    if (status == 409 || "idempotency_key_in_use".equals(code)) {
      return new ChargeOutcome.Unknown(
          "Stripe is still processing this key (HTTP " + status + ", " + code + ")");
    }
    // "Cannot charge a customer that has no active card" (code missing; a 404 card_error at the
    // emulator, which the client parses as an invalid request): the customer exists but cannot pay
    // until a card is added, which is the customer's or an operator's action, not a retry.
    if ("missing".equals(code)) {
      return new ChargeOutcome.CustomerNotFound(
          "the Stripe customer "
              + request.customerReference()
              + " has no default card: "
              + message(e));
    }
    return switch (e) {
      case CardException card -> card(card, code);
      // A reused key with other parameters: a bug in Charon (the attempt's amount or customer
      // changed under its key). Never answered with a fresh key; the attempt stays open and loud.
      case IdempotencyException idem ->
          throw new PaymentProviderException(
              "Stripe refused an idempotency key reused with other parameters",
              request,
              status,
              e.getMessage());
      // Stripe rate-limits before it processes anything and keeps no idempotent result for a 429.
      case RateLimitException rate ->
          ChargeOutcome.Unavailable.throttled(
              "Stripe rate limit (HTTP 429, " + code + ")", StripeOutcomes.throttle(rate));
      case InvalidRequestException invalid -> invalid(request, invalid, status, code);
      case ApiConnectionException connection -> connection(connection);
      default -> {
        if (status >= 500) {
          yield new ChargeOutcome.Unknown(
              "Stripe failed with HTTP " + status + " (" + e.getMessage() + ")");
        }
        // 401/403: a wrong, revoked or restricted key. Nothing was charged; an operator must act.
        throw new PaymentProviderException(
            "Stripe refused the request (" + e.getClass().getSimpleName() + ")",
            request,
            status,
            e.getMessage());
      }
    };
  }

  private static ChargeOutcome card(CardException card, String code) {
    // The reason is the decline code itself (insufficient_funds, expired_card,
    // authentication_required, ...), which payment/DeclineCode classifies as hard or soft. Some
    // declines carry their cause in `code` only (expired_card, incorrect_cvc, processing_error).
    var reason =
        card.getDeclineCode() != null
            ? card.getDeclineCode()
            : code.isEmpty() ? "card_declined" : code;
    var error = card.getStripeError();
    var intent = error == null ? null : error.getPaymentIntent();
    return new ChargeOutcome.Declined(
        reason, detail(intent == null ? null : intent.getId(), error));
  }

  /**
   * What a decline says beyond its code: the PaymentIntent left waiting, the card's network and the
   * advice codes that the card network rules read (charging/domain/NetworkRetryRules).
   */
  static DeclineDetail detail(String paymentIntent, StripeError error) {
    if (error == null) {
      return new DeclineDetail(paymentIntent, null, null, null, null);
    }
    var method = error.getPaymentMethod();
    var brand = method != null && method.getCard() != null ? method.getCard().getBrand() : null;
    return new DeclineDetail(
        paymentIntent,
        brand,
        error.getAdviceCode(),
        error.getNetworkAdviceCode(),
        error.getNetworkDeclineCode());
  }

  private static ChargeOutcome invalid(
      ChargeRequest request, InvalidRequestException e, int status, String code) {
    var param = Objects.requireNonNullElse(e.getParam(), "");
    if ("resource_missing".equals(code) && "customer".equals(param)) {
      return new ChargeOutcome.CustomerNotFound(
          "Stripe has no customer " + request.customerReference());
    }
    if ("currency".equals(param)
        || code.startsWith("currency")
        || code.equals("amount_too_small")
        || code.equals("amount_too_large")) {
      // The currency is not chargeable for this account, or the amount is outside what Stripe
      // charges in it: nothing was charged, and only an operator can change either.
      return new ChargeOutcome.CurrencyMismatch(
          "Stripe refused " + request.amount() + ": " + message(e));
    }
    throw new PaymentProviderException(
        "Stripe rejected the request (" + code + ", param " + param + ")",
        request,
        status,
        e.getMessage());
  }

  private static ChargeOutcome connection(ApiConnectionException e) {
    // A refused TCP connect sent no request byte. Timeouts and resets can follow processing.
    if (e.getCause() instanceof ConnectException refused) {
      return new ChargeOutcome.Unavailable("cannot connect to Stripe: " + refused.getMessage());
    }
    return new ChargeOutcome.Unknown(
        "connection to Stripe failed after the request may have been sent: " + e.getCause());
  }

  private static String message(StripeException e) {
    return e.getStripeError() != null && e.getStripeError().getMessage() != null
        ? e.getStripeError().getMessage()
        : e.getMessage();
  }

  /** Stripe's 429: its {@code Retry-After}, when the client kept the response's headers. */
  static Throttle throttle(RateLimitException e) {
    var response = e.getStripeError() == null ? null : e.getStripeError().getLastResponse();
    return Throttle.fromRetryAfter(
        response == null ? null : response.headers().firstValue("Retry-After").orElse(null));
  }
}
