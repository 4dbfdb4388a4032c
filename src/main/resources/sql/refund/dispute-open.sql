-- The provider reports a dispute opened on a charge (GatewayBackstop): stored once by the
-- provider's dispute id, and the invoice moves to DISPUTED (transition DISPUTE) if it is paid or
-- partly refunded; the history and invoice.disputed come from the invoice's triggers.
with opened as (
  insert into dispute (invoice_id, provider_dispute_id, amount_minor, currency, status, opened_at)
  select i.id, :dispute, :amount, :currency, 'OPEN', :now from invoice i where i.id = :invoice
  on conflict (provider_dispute_id) do nothing
  returning invoice_id)
update invoice i
set status = ${DISPUTE.to}, status_reason = :reason, status_actor = ${DISPUTE.actor}
from opened
where i.id = opened.invoice_id and i.status in (${DISPUTE.from})
