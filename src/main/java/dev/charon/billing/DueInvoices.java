package dev.charon.billing;

import dev.charon.db.SqlFiles;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import org.jdbi.v3.core.Jdbi;

/**
 * Offers due invoices for charging: set-based, in batches, in the statement that moves them to
 * PROCESSING (on the invoice row, and with {@code publish} as charge_request rows: the
 * transactional outbox). {@code SKIP LOCKED} lets several producers share the work; an invoice
 * already PROCESSING is never picked again, so a producer cut by a crash is resumed by simply
 * running it again. The status names come from the lifecycle ({@code InvoiceTransition.ENQUEUE},
 * {@code ENQUEUE_RETRY}), inlined as literals so that the partial indexes on PENDING and
 * RETRY_SCHEDULED still match.
 */
public final class DueInvoices {
  private final Jdbi jdbi;
  private final boolean publish;

  /**
   * {@code publish}: also write each offered invoice's charge_request row, the outbox the RabbitMQ
   * intake's relay publishes. The table intake claims the invoice row itself (V100) and needs none.
   */
  public DueInvoices(Jdbi jdbi, boolean publish) {
    this.jdbi = jdbi;
    this.publish = publish;
  }

  /**
   * Enqueues up to {@code batch} invoices of a run: PENDING, due on or before the cut-off, billed
   * for the run's period or earlier. Returns how many were enqueued (0: nothing left).
   */
  public int enqueueForRun(long runId, YearMonth period, LocalDate cutoff, int batch) {
    return jdbi.inTransaction(
        h -> {
          // Shared with every other batch of the run, exclusive with finishing it (see RunLock).
          RunLock.shareInTransaction(h, runId);
          int n =
              h.createQuery(SqlFiles.get("billing/produce"))
                  .bind("cutoff", cutoff)
                  .bind("period", period.toString())
                  .bind("batch", batch)
                  .bind("run", runId)
                  .bind("publish", publish)
                  .mapTo(Integer.class)
                  .one();
          if (n > 0) { // a sweep that finds nothing does not rewrite the run's row
            h.createUpdate("update billing_run set enqueued = enqueued + :n where id = :run")
                .bind("n", n)
                .bind("run", runId)
                .execute();
          }
          return n;
        });
  }

  /**
   * Lets the invoices a run is about to charge consume their customers' credit balances first
   * (issue 24; the statement says how). Returns how many invoices took credit.
   */
  public int applyCredit(long runId, YearMonth period, LocalDate cutoff, Instant now) {
    return jdbi.inTransaction(
        h -> {
          RunLock.shareInTransaction(h, runId);
          return h.createUpdate(SqlFiles.get("billing/apply-credit"))
              .bind("cutoff", cutoff)
              .bind("period", period.toString())
              .bind("run", runId)
              .bind("now", java.sql.Timestamp.from(now))
              .execute();
        });
  }

  private static final String ENQUEUE_RETRIES =
      SqlFiles.statement(
          """
          with due as (
            select id from invoice
            where status in (${ENQUEUE_RETRY.from}) and next_attempt_at <= :now
            order by next_attempt_at, id
            limit :batch
            for update skip locked),
          moved as (
            update invoice i
            set status = ${ENQUEUE_RETRY.to}, next_attempt_at = null, charge_available_at = (select charon_now()),
                updated_at = (select charon_now()),
                status_reason = 'retry due ' || to_char(i.next_attempt_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                status_actor = ${ENQUEUE_RETRY.actor}
            from due where i.id = due.id
            returning i.id, i.billing_run_id),
          requests as (
            insert into charge_request (invoice_id, run_id)
            select id, billing_run_id from moved where :publish)
          select count(*) from moved
          """);

  /** Enqueues up to {@code batch} invoices whose retry time has come. */
  public int enqueueRetries(Instant now, int batch) {
    return jdbi.inTransaction(
        h ->
            h.createQuery(ENQUEUE_RETRIES)
                .bind("now", now)
                .bind("batch", batch)
                .bind("publish", publish)
                .mapTo(Integer.class)
                .one());
  }
}
