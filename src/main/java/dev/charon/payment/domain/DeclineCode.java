package dev.charon.payment.domain;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The Stripe-style {@code decline_code}s a provider answers a declined charge with, and whether a
 * retry of the same card can succeed ({@link Kind#SOFT}) or the customer must give a new payment
 * method first ({@link Kind#HARD}). The classes follow Stripe's "next steps" for each code
 * (docs.stripe.com/declines/codes): "try again" / "attempt again" / "contact issuer, may succeed
 * later" is soft; "use another card", "do not retry", "authenticate" (an off-session charge cannot
 * authenticate) is hard.
 *
 * <p>A code not listed here (a provider adds codes over time, or answers none) is soft: it is
 * retried on the dunning schedule, which ends in UNCOLLECTIBLE, so an unknown code costs at most a
 * few retries, while classifying it hard would stop collection until a customer acts.
 */
public enum DeclineCode {
  INSUFFICIENT_FUNDS(Kind.SOFT),
  GENERIC_DECLINE(Kind.SOFT),
  DO_NOT_HONOR(Kind.SOFT),
  PROCESSING_ERROR(Kind.SOFT),
  TRY_AGAIN_LATER(Kind.SOFT),
  CARD_VELOCITY_EXCEEDED(Kind.SOFT),
  LOST_CARD(Kind.HARD),
  STOLEN_CARD(Kind.HARD),
  EXPIRED_CARD(Kind.HARD),
  INCORRECT_NUMBER(Kind.HARD),
  INVALID_ACCOUNT(Kind.HARD),
  AUTHENTICATION_REQUIRED(Kind.HARD),
  PICKUP_CARD(Kind.HARD),
  RESTRICTED_CARD(Kind.HARD),
  FRAUDULENT(Kind.HARD);

  /** Soft: the same card may pay later. Hard: it will not; a new payment method is needed. */
  public enum Kind {
    SOFT,
    HARD
  }

  private static final Map<String, DeclineCode> BY_CODE =
      Arrays.stream(values())
          .collect(Collectors.toUnmodifiableMap(DeclineCode::code, Function.identity()));

  private final Kind kind;

  DeclineCode(Kind kind) {
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  /** The wire form, as Stripe writes it: {@code insufficient_funds}. */
  public String code() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The known code for {@code code} (case-insensitive, trimmed), empty when unknown or null. */
  public static Optional<DeclineCode> of(String code) {
    if (code == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(BY_CODE.get(code.trim().toLowerCase(Locale.ROOT)));
  }

  /** The class of any code, known or not: unknown and missing codes are {@link Kind#SOFT}. */
  public static Kind classify(String code) {
    return of(code).map(DeclineCode::kind).orElse(Kind.SOFT);
  }

  /** Whether a decline with this code needs a new payment method before it is retried. */
  public static boolean isHard(String code) {
    return classify(code) == Kind.HARD;
  }
}
