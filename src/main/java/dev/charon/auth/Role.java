package dev.charon.auth;

import java.util.Locale;
import java.util.Optional;

/** What an API key may do: readers read, operators also write and act on invoices and runs. */
public enum Role {
  READER,
  OPERATOR;

  /** Whether a key of this role may do what {@code required} allows. */
  public boolean allows(Role required) {
    return this == OPERATOR || required == READER;
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Role> parse(String value) {
    for (var role : values()) {
      if (role.label().equals(value == null ? null : value.trim().toLowerCase(Locale.ROOT))) {
        return Optional.of(role);
      }
    }
    return Optional.empty();
  }
}
