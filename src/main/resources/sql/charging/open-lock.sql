-- Lock the batch's invoices in id order and read what an attempt needs (ChargeStore.open). An
-- invoice with no completed attempt (attempt_count 0: settle counts each attempt it completes) has
-- no earlier outcomes to count: the batch's common case skips both subqueries.
-- The amount charged is what the customer's credit balance left (credited_minor, issue 24).
select i.id, i.customer_id, i.amount_minor - i.credited_minor as amount_minor, i.currency, i.attempt_count, i.status in (${PAY.from}) as processing,
       (select c.provider_reference from customer c where c.id = i.customer_id) as customer_reference,
       case when i.attempt_count = 0 then 0 else
         (select count(*) from charge_attempt a where a.invoice_id = i.id and a.outcome = 'DECLINED'
            and coalesce(a.decline_code, '') <> all(:hard::text[])) end as declines,
       case when i.attempt_count = 0 then 0 else
         (select count(*) from charge_attempt a where a.invoice_id = i.id and a.outcome = 'UNAVAILABLE') end as unavailable
from invoice i
where i.id = any(:ids::bigint[])
order by i.id
for update of i
