package dev.charon.charging;

import dev.charon.db.PlainSql;
import java.time.Duration;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The table transport: a worker leases the invoice rows that wait to be charged ({@code
 * charge_available_at} due) with {@code FOR UPDATE SKIP LOCKED}. The lease is a visibility timeout:
 * the claim moves {@code charge_available_at} to the lease's end and names its owner, so a worker
 * that dies simply lets the invoice come back, and the next claim takes it over (V100). It knows
 * nothing of the engine; {@link TableIntake} runs a claim in the transaction that opens the claimed
 * attempts.
 */
final class InvoiceLeases {
  private final Jdbi jdbi;
  private final String owner;
  private final Duration lease;

  InvoiceLeases(Jdbi jdbi, String owner, Duration lease) {
    this.jdbi = jdbi;
    this.owner = owner;
    this.lease = lease;
  }

  // sql/charging/claim.sql says why the pick is a materialized CTE. The invoice is the request:
  // its id names the delivery.
  List<Delivery> claim(Handle h, int max) {
    return PlainSql.of("charging/claim")
        .with(h)
        .bind("owner", owner)
        .bind("lease", lease.toMillis())
        .bind("max", max)
        .list(rs -> new Delivery(rs.getLong("invoice_id"), rs.getLong("invoice_id"), 0));
  }

  /** Gives up this worker's lease on the delivery's invoice, so the next claim may take it now. */
  void release(Delivery delivery) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    """
                    update invoice set charge_available_at = charon_now(), charge_lease_owner = null
                    where id = :id and charge_lease_owner = :owner and charge_available_at is not null""")
                .bind("id", delivery.invoiceId())
                .bind("owner", owner)
                .execute());
  }
}
