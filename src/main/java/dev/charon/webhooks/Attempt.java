package dev.charon.webhooks;

import java.time.Instant;

/** One delivery attempt, as the history keeps it. */
public record Attempt(
    int attemptNo,
    Instant startedAt,
    String outcome,
    Integer statusCode,
    int latencyMs,
    String error,
    String deliverer) {}
