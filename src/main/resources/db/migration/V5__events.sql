-- Events for other services: every invoice and billing-run state change writes a CloudEvent to
-- this outbox in the same transaction (statement-level triggers, so set-based updates stay
-- set-based). Consumers deduplicate on event_id; the feed pages by id.

create table event_outbox (
    id            bigint generated always as identity primary key,
    event_id      uuid        not null unique default gen_random_uuid(),
    type          text        not null,
    subject       text        not null,
    occurred_at   timestamptz not null default now(),
    data          jsonb       not null,
    published_at  timestamptz
);

create index event_outbox_unpublished_idx on event_outbox (id) where published_at is null;

create function invoice_event_type(status text) returns text language sql immutable as $$
    select case status
        when 'PAID' then 'invoice.paid'
        when 'RETRY_SCHEDULED' then 'invoice.payment_failed'
        when 'ACTION_REQUIRED' then 'invoice.action_required'
        when 'UNCOLLECTIBLE' then 'invoice.uncollectible'
        when 'VOID' then 'invoice.voided'
    end
$$;

create function invoice_events_on_update() returns trigger language plpgsql as $$
begin
    insert into event_outbox (type, subject, data)
    select invoice_event_type(n.status), 'invoices/' || n.id,
           jsonb_build_object(
               'invoiceId', n.id, 'customerId', n.customer_id, 'status', n.status, 'previousStatus', o.status,
               'amountMinor', n.amount_minor, 'currency', n.currency, 'billingPeriod', n.billing_period,
               'billingRunId', n.billing_run_id, 'attemptCount', n.attempt_count, 'paidAt', n.paid_at,
               'nextAttemptAt', n.next_attempt_at, 'reason', n.status_reason, 'actor', n.status_actor)
    from new_rows n join old_rows o on o.id = n.id
    where o.status is distinct from n.status and invoice_event_type(n.status) is not null
    order by n.id;
    return null;
end $$;

create trigger invoice_events_update after update on invoice
    referencing old table as old_rows new table as new_rows
    for each statement execute function invoice_events_on_update();

create function billing_run_events() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        insert into event_outbox (type, subject, data)
        values ('billing_run.started', 'billing-runs/' || new.id,
                jsonb_build_object('runId', new.id, 'period', new.period, 'startedBy', new.started_by,
                                   'startedAt', new.started_at));
    elsif new.state = 'FINISHED' and old.state <> 'FINISHED' then
        insert into event_outbox (type, subject, data)
        select 'billing_run.finished', 'billing-runs/' || new.id,
               jsonb_build_object('runId', new.id, 'period', new.period, 'enqueued', new.enqueued,
                                  'startedAt', new.started_at, 'finishedAt', new.finished_at,
                                  'invoicesByStatus', (select jsonb_object_agg(status, n) from
                                      (select status, count(*) n from invoice where billing_run_id = new.id group by status) s));
    end if;
    return null;
end $$;

create trigger billing_run_events after insert or update of state on billing_run
    for each row execute function billing_run_events();
