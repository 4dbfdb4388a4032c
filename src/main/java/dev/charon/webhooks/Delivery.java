package dev.charon.webhooks;

import java.time.Instant;

/** One event's delivery to one endpoint, as operators see it, with its latest attempt. */
public record Delivery(
    long id,
    long endpointId,
    String eventId,
    String eventType,
    String state,
    int attempts,
    Instant nextAttemptAt,
    Integer lastStatus,
    Integer lastLatencyMs,
    String lastError,
    Instant lastAttemptAt,
    Instant createdAt,
    Instant deliveredAt) {}
