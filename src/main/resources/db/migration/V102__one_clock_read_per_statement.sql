-- Issue 26: one clock read per statement on the charge path. charon_now() cannot be inlined (its
-- body reads test_clock), so every call runs a small query: a row trigger that calls it, a default
-- that holds it and a SET that uses it paid one such query per row, about ten per charged invoice.
-- Now the charge path's statements read it once, as an uncorrelated sub-select (an InitPlan:
-- `(select charon_now())`), and set invoice.updated_at themselves; the row trigger reads the
-- clock only for a statement that did not; the history and event rows of an update take the time
-- of the invoice change they record (its updated_at, written in the same statement) instead of reading
-- the clock again for their defaults. Every time is the same value it was before: the clock as the
-- statement that changed the invoice read it.

create or replace function invoice_before_write() returns trigger language plpgsql as $$
declare
    customer_currency char(3);
begin
    if tg_op = 'UPDATE' then
        -- A statement that set updated_at read the clock once for all its rows.
        if new.updated_at is not distinct from old.updated_at then
            new.updated_at := charon_now();
        end if;
        new.version := old.version + 1;
        new.created_at := old.created_at;
    end if;
    if tg_op = 'INSERT' or new.currency is distinct from old.currency
       or new.customer_id is distinct from old.customer_id then
        select c.currency into customer_currency from customer c where c.id = new.customer_id;
        if customer_currency is not null and customer_currency <> new.currency
           and not new.currency_mismatch_allowed then
            raise exception 'invoice currency % differs from customer % currency %',
                new.currency, new.customer_id, customer_currency
                using errcode = 'check_violation', constraint = 'invoice_currency_matches_customer';
        end if;
    end if;
    return new;
end $$;

-- As V70's, at the time of the change it records.
create or replace function invoice_history_on_update() returns trigger language plpgsql
set enable_nestloop = off as $$
begin
    insert into invoice_history (invoice_id, old_status, new_status, reason, actor, at)
    select n.id, o.status, n.status, n.status_reason, n.status_actor, n.updated_at
    from new_rows n join old_rows o on o.id = n.id
    where o.status is distinct from n.status
       or o.refunded_minor <> n.refunded_minor or o.credited_minor <> n.credited_minor;
    return null;
end $$;

-- As V95's, occurring at the time of the change it announces.
create or replace function invoice_events_on_update() returns trigger language plpgsql
set enable_nestloop = off as $$
begin
    insert into event_outbox (type, subject, data, occurred_at)
    select t.type, 'invoices/' || n.id,
           jsonb_build_object(
               'invoiceId', n.id, 'customerId', n.customer_id, 'status', n.status, 'previousStatus', o.status,
               'amountMinor', n.amount_minor, 'currency', n.currency, 'billingPeriod', n.billing_period,
               'billingRunId', n.billing_run_id, 'attemptCount', n.attempt_count, 'paidAt', n.paid_at,
               'nextAttemptAt', n.next_attempt_at, 'reason', n.status_reason, 'actor', n.status_actor,
               'creditedMinor', n.credited_minor, 'refundedMinor', n.refunded_minor,
               'refundMinor', n.refunded_minor - o.refunded_minor)
           || case when t.type = 'invoice.action_required' then invoice_event_extras(n.id, n.status)
                   else '{}'::jsonb end,
           n.updated_at
    from new_rows n join old_rows o on o.id = n.id
    cross join lateral (select case
        when n.refunded_minor > o.refunded_minor then 'invoice.refunded'
        when o.status is distinct from n.status then invoice_event_type(n.status)
        end as type) t
    where t.type is not null
    order by n.id;
    return null;
end $$;
