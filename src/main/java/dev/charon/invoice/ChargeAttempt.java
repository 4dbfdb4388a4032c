package dev.charon.invoice;

import dev.charon.money.Money;
import java.time.Instant;

/**
 * One charge attempt of an invoice as the API shows it: the idempotency key sent to the provider,
 * the outcome ({@code UNKNOWN} until the provider answered), the provider's reference, and for a
 * decline the provider's decline code and what else it said (issue 28): the card's network,
 * Stripe's {@code advice_code}, the network's advice code (Mastercard's merchant advice code) and
 * raw decline code; each null when the provider did not say.
 */
public record ChargeAttempt(
    int attemptNo,
    String idempotencyKey,
    Money amount,
    String outcome,
    String providerReference,
    String detail,
    String worker,
    int calls,
    Instant createdAt,
    Instant completedAt,
    String declineCode,
    String cardBrand,
    String adviceCode,
    String networkAdviceCode,
    String networkDeclineCode) {}
