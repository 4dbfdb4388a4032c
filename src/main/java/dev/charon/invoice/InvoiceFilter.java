package dev.charon.invoice;

import dev.charon.invoice.domain.InvoiceStatus;
import java.time.YearMonth;
import java.util.Optional;

/** Which invoices a list asks for; empty parts match everything. */
public record InvoiceFilter(
    Optional<InvoiceStatus> status, Optional<Long> customerId, Optional<YearMonth> period) {

  public static InvoiceFilter all() {
    return new InvoiceFilter(Optional.empty(), Optional.empty(), Optional.empty());
  }
}
