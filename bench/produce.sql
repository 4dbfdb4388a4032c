-- Turns every PENDING invoice into a charge request in one statement, as DueInvoices.enqueueForRun
-- does batch by batch (used for the pgbench ceiling, where no Charon process produces the run).
insert into billing_run (period, cutoff, started_by, started_at, state)
values (to_char(now() at time zone 'UTC', 'YYYY-MM'), current_date, 'bench', now(), 'CHARGING');
with moved as (
  update invoice i
  set status = 'PROCESSING', billing_run_id = (select max(id) from billing_run),
      status_reason = 'enqueued by bench', status_actor = 'bench'
  where status = 'PENDING'
  returning i.id)
insert into charge_request (invoice_id, run_id)
select id, (select max(id) from billing_run) from moved order by id;
vacuum analyze;
