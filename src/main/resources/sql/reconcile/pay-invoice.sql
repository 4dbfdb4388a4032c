-- The invoice moves to PAID, said by the reconciliation (the history trigger records who and why,
-- the event trigger writes invoice.paid), and its charge request, if any, goes: a delivery of it
-- finds the invoice no longer PROCESSING and drops it.
with paid as (
  update invoice
  set status = ${ADOPT.to}, paid_at = :paid_at::timestamptz, next_attempt_at = null,
      attempt_count = greatest(attempt_count, :attempt),
      status_reason = :reason, status_actor = ${ADOPT.actor}
  where id = :id and status in (${ADOPT.from})
  returning id)
delete from charge_request r using paid where r.invoice_id = paid.id
