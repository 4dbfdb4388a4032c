-- A refund the provider made without Charon asking (RefundStore.recordExternal): stored SUCCEEDED,
-- source provider, numbered after the invoice's other refunds (the caller holds the invoice's
-- lock). Known by its provider reference: a second report of it inserts nothing.
insert into refund (invoice_id, refund_no, customer_id, amount_minor, currency, reason, actor,
                    status, source, provider_reference, settled_at)
select i.id, coalesce((select max(r.refund_no) from refund r where r.invoice_id = i.id), 0) + 1,
       i.customer_id, :amount, :currency, :reason, :actor, 'SUCCEEDED', 'provider', :reference, :now
from invoice i
where i.id = :invoice
on conflict (provider_reference) where provider_reference is not null do nothing
returning id, refund_no, customer_id
