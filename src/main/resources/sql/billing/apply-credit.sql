-- Before a run's production (DueInvoices.applyCredit): invoices the run is about to charge whose
-- customer has a credit balance in the invoice's currency consume it first, oldest invoice first.
-- Driven from the few positive balances, not from the many due invoices, so a run with no credit
-- pays one index probe. The balance rows are locked: producers and credit grants queue on them,
-- and the balance's own check (>= 0) refuses any overspending. An invoice the balance covers
-- wholly is paid without a provider call (PAY_WITH_CREDIT); one covered partly stays PENDING with
-- credited_minor set, and the charge path charges the rest (charging/open-lock). The history
-- trigger records both, with this reason. Running it again finds the balances spent: resumable.
with balance as materialized (
  select customer_id, currency, balance_minor from credit_balance
  where balance_minor > 0
  order by customer_id, currency
  for update),
due as materialized (
  select i.id, i.customer_id, i.currency, i.amount_minor - i.credited_minor as owed
  from invoice i join balance b on b.customer_id = i.customer_id and b.currency = i.currency
  where i.status in (${PAY_WITH_CREDIT.from}) and i.due_date <= :cutoff::date and i.billing_period <= :period
    and i.amount_minor > i.credited_minor
    and exists (select 1 from billing_run where id = :run::bigint and state <> 'FINISHED')
  order by i.id
  for update of i skip locked),
share as materialized (
  select d.id, d.customer_id, d.currency, d.owed,
         least(d.owed, greatest(0, b.balance_minor - coalesce(sum(d.owed) over (
             partition by d.customer_id, d.currency order by d.id
             rows between unbounded preceding and 1 preceding), 0))) as take
  from due d join balance b on b.customer_id = d.customer_id and b.currency = d.currency),
taken as materialized (select * from share where take > 0),
spent as (
  insert into credit_ledger (customer_id, currency, amount_minor, invoice_id, reason)
  select customer_id, currency, -take, id, 'applied to invoice ' || id || ' by billing run ' || :run::bigint
  from taken)
update invoice i
set credited_minor = i.credited_minor + t.take,
    status = case when t.take = t.owed then ${PAY_WITH_CREDIT.to} else i.status end,
    paid_at = case when t.take = t.owed then :now::timestamptz end,
    billing_run_id = :run::bigint,
    status_reason = case when t.take = t.owed
        then 'paid by credit balance (' || t.take || ' minor units): no provider call'
        else 'credit balance applied (' || t.take || ' minor units); ' || (t.owed - t.take) || ' left to charge' end,
    status_actor = ${PAY_WITH_CREDIT.actor}
from taken t
where i.id = t.id
