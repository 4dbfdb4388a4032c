-- Keep unknown attempts open and offer their requests again later, without a lease and not
-- published (ChargeStore.defer).
with input as (select * from unnest(:invoices::bigint[], :attempts::bigint[], :at::text[], :reasons::text[])
                 as t(invoice_id, attempt_id, at, reason)),
noted as (update charge_attempt a set detail = i.reason from input i where a.id = i.attempt_id and a.outcome = 'UNKNOWN')
update charge_request r set available_at = i.at::timestamptz, lease_owner = null, lease_until = null, published_at = null
from input i where r.invoice_id = i.invoice_id
