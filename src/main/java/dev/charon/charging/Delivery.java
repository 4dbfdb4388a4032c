package dev.charon.charging;

/**
 * One charge request handed to a worker. {@code handle} is the transport's (a delivery tag and its
 * subscription for RabbitMQ; unused by the table intake, whose lease is on the row).
 */
public record Delivery(long requestId, long invoiceId, long handle) {}
