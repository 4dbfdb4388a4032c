-- The invoice moves to PAID, said by the reconciliation (the history trigger records who and why,
-- the event trigger writes invoice.paid), and it stops being offered for charging: on its own row
-- (the table intake) and as a charge request, if any (the RabbitMQ intake). A delivery already
-- taken finds the invoice no longer PROCESSING and drops it.
with paid as (
  update invoice
  set status = ${ADOPT.to}, paid_at = :paid_at::timestamptz, next_attempt_at = null,
      attempt_count = greatest(attempt_count, :attempt),
      status_reason = :reason, status_actor = ${ADOPT.actor},
      charge_available_at = null, charge_lease_owner = null
  where id = :id and status in (${ADOPT.from})
  returning id)
delete from charge_request r using paid where r.invoice_id = paid.id
