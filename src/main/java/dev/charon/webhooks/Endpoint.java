package dev.charon.webhooks;

import java.time.Instant;
import java.util.List;

/** A registered receiver of webhooks, as operators see it (never with its secret). */
public record Endpoint(
    long id,
    String url,
    String description,
    List<String> eventTypes,
    boolean enabled,
    String disabledReason,
    Instant previousSecretExpiresAt,
    String createdBy,
    Instant createdAt,
    Instant updatedAt) {

  public Endpoint {
    eventTypes = List.copyOf(eventTypes);
  }

  /** An endpoint together with the secret shown once, on creation and rotation. */
  public record WithSecret(
      long id,
      String url,
      String description,
      List<String> eventTypes,
      boolean enabled,
      String disabledReason,
      Instant previousSecretExpiresAt,
      String createdBy,
      Instant createdAt,
      Instant updatedAt,
      String secret) {
    Endpoint withoutSecret() {
      return new Endpoint(
          id,
          url,
          description,
          eventTypes,
          enabled,
          disabledReason,
          previousSecretExpiresAt,
          createdBy,
          createdAt,
          updatedAt);
    }

    static WithSecret of(Endpoint e, WebhookSecret secret) {
      return new WithSecret(
          e.id(),
          e.url(),
          e.description(),
          e.eventTypes(),
          e.enabled(),
          e.disabledReason(),
          e.previousSecretExpiresAt(),
          e.createdBy(),
          e.createdAt(),
          e.updatedAt(),
          secret.reveal());
    }
  }
}
