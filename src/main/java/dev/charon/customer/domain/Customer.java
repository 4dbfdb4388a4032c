package dev.charon.customer.domain;

import dev.charon.money.Currency;
import java.time.Instant;
import java.util.Objects;

/**
 * A customer billed in one currency. {@code providerReference}: the customer's id at the payment
 * provider (a Stripe customer id, whose default card is charged), {@code null} when not mapped.
 */
public record Customer(
    long id,
    Currency currency,
    String name,
    String providerReference,
    Instant createdAt,
    Instant updatedAt) {
  /** Provider ids are printable ASCII without spaces (the column's check says the same). */
  public static final String REFERENCE_PATTERN = "[\\x21-\\x7e]{1,255}";

  public Customer {
    Objects.requireNonNull(currency, "currency");
  }
}
