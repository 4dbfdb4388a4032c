-- The provider reports a dispute closed (GatewayBackstop), once: only an OPEN dispute closes.
-- WON: the money stays, the invoice is PAID again (CLOSE_DISPUTE_WON), or PARTIALLY_REFUNDED
-- when it had been partly refunded before the dispute (CLOSE_DISPUTE_WON_REFUNDED). LOST: the provider took the
-- amount back; the invoice stays DISPUTED and its history says the dispute was lost. Either way a
-- dispute.closed event, in the same statement.
with closed as (
  update dispute set status = :status, closed_at = :now
  where provider_dispute_id = :dispute and status = 'OPEN'
  returning id, invoice_id, amount_minor, currency, status),
told as (
  insert into event_outbox (type, subject, data)
  select 'dispute.closed', 'disputes/' || c.id,
         jsonb_build_object('disputeId', c.id, 'providerDisputeId', :dispute, 'invoiceId', c.invoice_id,
                            'outcome', lower(c.status), 'amountMinor', c.amount_minor, 'currency', c.currency,
                            'reason', :reason)
  from closed c),
won as (
  update invoice i
  set status = case when i.refunded_minor > 0 then ${CLOSE_DISPUTE_WON_REFUNDED.to}
                    else ${CLOSE_DISPUTE_WON.to} end,
      status_reason = :reason, status_actor = ${CLOSE_DISPUTE_WON.actor}
  from closed c
  where i.id = c.invoice_id and c.status = 'WON' and i.status in (${CLOSE_DISPUTE_WON.from})),
lost as (
  insert into invoice_history (invoice_id, old_status, new_status, reason, actor)
  select i.id, i.status, i.status, :reason, ${CLOSE_DISPUTE_WON.actor}
  from closed c join invoice i on i.id = c.invoice_id
  where c.status = 'LOST')
select count(*) from closed
