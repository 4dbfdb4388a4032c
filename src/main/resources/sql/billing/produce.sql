-- One batch of a run's production (DueInvoices.enqueueForRun): PENDING invoices due by the cut-off
-- and billed for the run's period or earlier move to PROCESSING and are offered for charging in the
-- same statement: on the invoice row itself (charge_available_at, which the table intake claims,
-- V100) and, with publish (the RabbitMQ intake), as a charge_request row the relay publishes (the
-- transactional outbox). SKIP LOCKED lets producers share the work. Returns how many moved.
-- The clock is read once for the statement (V102).
with due as (
  select id from invoice
  where status in (${ENQUEUE.from}) and due_date <= :cutoff::date and billing_period <= :period
    and exists (select 1 from billing_run where id = :run::bigint and state <> 'FINISHED')
  order by id
  limit :batch
  for update skip locked),
moved as (
  update invoice i
  set status = ${ENQUEUE.to}, billing_run_id = :run::bigint,
      status_reason = 'enqueued by billing run ' || :run::bigint, status_actor = ${ENQUEUE.actor},
      charge_available_at = (select charon_now()), updated_at = (select charon_now())
  from due where i.id = due.id
  returning i.id),
requests as (
  insert into charge_request (invoice_id, run_id)
  select id, :run::bigint from moved where :publish::boolean)
select count(*) from moved
