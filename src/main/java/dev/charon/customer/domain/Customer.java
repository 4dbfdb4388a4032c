package dev.charon.customer.domain;

import dev.charon.money.Currency;
import java.time.Instant;
import java.util.Objects;

/** A customer billed in one currency. */
public record Customer(long id, Currency currency, String name, Instant createdAt, Instant updatedAt) {
  public Customer {
    Objects.requireNonNull(currency, "currency");
  }
}
