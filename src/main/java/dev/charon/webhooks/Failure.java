package dev.charon.webhooks;

import java.time.Instant;

/** A failed attempt with its delivery's current state: a row of the console's recent failures. */
public record Failure(
    long deliveryId,
    long endpointId,
    String eventId,
    String eventType,
    String state,
    int attemptNo,
    String outcome,
    Integer statusCode,
    int latencyMs,
    String error,
    Instant startedAt,
    Instant nextAttemptAt) {}
