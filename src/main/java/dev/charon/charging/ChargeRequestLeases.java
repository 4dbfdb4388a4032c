package dev.charon.charging;

import dev.charon.db.PlainSql;
import java.time.Duration;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The table transport: a worker leases charge_request rows with {@code FOR UPDATE SKIP LOCKED}
 * (owner + expiry). A worker that dies simply lets its leases lapse; the next claim takes those
 * rows over. It knows nothing of the engine; {@link TableIntake} runs a claim in the transaction
 * that opens the claimed attempts.
 */
final class ChargeRequestLeases {
  private final Jdbi jdbi;
  private final String owner;
  private final Duration lease;

  ChargeRequestLeases(Jdbi jdbi, String owner, Duration lease) {
    this.jdbi = jdbi;
    this.owner = owner;
    this.lease = lease;
  }

  // sql/charging/claim.sql says why the pick is a materialized CTE that locks the invoice too.
  List<Delivery> claim(Handle h, int max) {
    return PlainSql.of("charging/claim")
        .with(h)
        .bind("owner", owner)
        .bind("lease", lease.toMillis())
        .bind("max", max)
        .list(rs -> new Delivery(rs.getLong("id"), rs.getLong("invoice_id"), 0));
  }

  /** Gives up this worker's lease on the delivery's row, so the next claim may take it. */
  void release(Delivery delivery) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "update charge_request set lease_owner = null, lease_until = null where id = :id and lease_owner = :owner")
                .bind("id", delivery.requestId())
                .bind("owner", owner)
                .execute());
  }
}
