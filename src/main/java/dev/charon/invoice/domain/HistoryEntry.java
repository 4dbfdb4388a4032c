package dev.charon.invoice.domain;

import java.time.Instant;

/** One status change of an invoice: from what to what, why, by whom, when. */
public record HistoryEntry(
    long id,
    long invoiceId,
    InvoiceStatus oldStatus,
    InvoiceStatus newStatus,
    String reason,
    String actor,
    Instant at) {}
