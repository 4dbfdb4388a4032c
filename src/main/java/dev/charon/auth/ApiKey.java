package dev.charon.auth;

import java.time.Instant;

/** A stored API key, without its secret: who it is, what it may do, whether it still works. */
public record ApiKey(
    long id, String name, Role role, String prefix, Instant createdAt, Instant revokedAt) {

  public boolean revoked() {
    return revokedAt != null;
  }

  /** How this key appears in history entries and run records as the actor of a change. */
  public String actor() {
    return "api-key:" + name;
  }
}
