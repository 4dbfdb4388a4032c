-- Adoption (reconcile/ProviderAdoption): which of a page of provider charges the database does
-- not show as its invoice's recorded charge. Most of a page is recorded (the workers got there
-- first); only the rest is looked at one by one. Returns their positions in the page (1-based).
select t.ord
from unnest(:invoices::bigint[], :keys::text[]) with ordinality as t(invoice_id, key, ord)
left join invoice i on i.id = t.invoice_id
where i.id is null
   or i.status not in (${ADOPT.to})
   or not exists (select 1 from charge_attempt a
                  where a.idempotency_key = t.key and a.invoice_id = t.invoice_id and a.provider_reference is not null
                    and a.outcome = 'CHARGED')
order by t.ord
