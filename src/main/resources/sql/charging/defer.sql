-- Keep unknown attempts open and offer their invoices again later, without a lease (the table
-- intake) and not published (the RabbitMQ intake) (ChargeStore.defer). Fenced: a deferral touches
-- the invoice only while its call is still the attempt's latest (calls unchanged). A worker cut off
-- past its lease that heals late must not free the lease of the worker that took its invoice over
-- (issue 16).
with input as (select * from unnest(:invoices::bigint[], :attempts::bigint[], :calls::int[], :at::text[], :reasons::text[])
                 as t(invoice_id, attempt_id, calls, at, reason)),
latest as (
  update charge_attempt a set detail = i.reason from input i
  where a.id = i.attempt_id and a.outcome = 'UNKNOWN' and a.calls = i.calls
  returning a.invoice_id, i.at),
offered as (
  update invoice v set charge_available_at = l.at::timestamptz, charge_lease_owner = null
  from latest l where v.id = l.invoice_id)
update charge_request r set available_at = l.at::timestamptz, lease_owner = null, lease_until = null, published_at = null
from latest l where r.invoice_id = l.invoice_id
