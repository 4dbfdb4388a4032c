package dev.charon.invoice.domain;

/** Where an invoice stands. Mirrors the check constraint on invoice.status. */
public enum InvoiceStatus {
  /** Due and waiting to be charged. */
  PENDING,
  /** A charge request is in flight. */
  PROCESSING,
  /** A retryable failure happened; {@code nextAttemptAt} says when the next try is due. */
  RETRY_SCHEDULED,
  /** An operator must fix the cause (customer unknown at the provider, currency mismatch). */
  ACTION_REQUIRED,
  /** Dunning is exhausted or an operator gave up. */
  UNCOLLECTIBLE,
  /** Cancelled by an operator. */
  VOID,
  /** Charged, exactly once (or paid wholly by the customer's credit balance). */
  PAID,
  /** Paid, and part of the charge given back by refunds; {@code refundedMinor} says how much. */
  PARTIALLY_REFUNDED,
  /** Paid, and everything charged given back by refunds. */
  REFUNDED,
  /** Paid, and the customer disputed the charge with their bank (a chargeback is open). */
  DISPUTED
}
