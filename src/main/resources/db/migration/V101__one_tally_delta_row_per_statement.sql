-- Issue 26: one invoice tally delta row per statement, not one per (period, run, currency, status)
-- group. A settle batch of PAID invoices in five currencies wrote ten delta rows (PROCESSING -1 and
-- PAID +1 per currency) and the fold deleted them again: 0.66 inserted + 0.67 deleted per charged
-- invoice in the quick benchmark (bench/results, 31a361f). Now the statement's groups go into one
-- row as parallel arrays (invoice_tally_batch), and invoice_tally_delta becomes a view that unnests
-- them, so every reader (Tallies.INVOICES, the benchmark's progress poll) reads what it read before.
-- The decline deltas stay one row per group: only declined attempts write them, a few per batch.

create table invoice_tally_batch (
    periods       char(7)[] not null,
    run_ids       bigint[]  not null,
    currencies    char(3)[] not null,
    statuses      text[]    not null,
    invoices      bigint[]  not null,
    amounts_minor bigint[]  not null
);

-- A queue like the table it replaces: rows live until the next fold.
alter table invoice_tally_batch set (
    autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 1000,
    autovacuum_vacuum_cost_delay = 0);

-- Deltas not folded yet move over as one row (the triggers below are replaced in this transaction,
-- which holds invoice's lock from the first replacement on).
lock table invoice in share row exclusive mode;
insert into invoice_tally_batch (periods, run_ids, currencies, statuses, invoices, amounts_minor)
select array_agg(billing_period), array_agg(run_id), array_agg(currency), array_agg(status),
       array_agg(invoices), array_agg(amount_minor)
from invoice_tally_delta
having count(*) > 0;
drop table invoice_tally_delta;

create view invoice_tally_delta as
select u.billing_period, u.run_id, u.currency, u.status, u.invoices, u.amount_minor
from invoice_tally_batch b,
     unnest(b.periods, b.run_ids, b.currencies, b.statuses, b.invoices, b.amounts_minor)
       as u(billing_period, run_id, currency, status, invoices, amount_minor);

create or replace function invoice_tally_on_insert() returns trigger language plpgsql as $$
begin
    insert into invoice_tally_batch (periods, run_ids, currencies, statuses, invoices, amounts_minor)
    select array_agg(billing_period), array_agg(run_id), array_agg(currency), array_agg(status),
           array_agg(n), array_agg(amount)
    from (select billing_period, coalesce(billing_run_id, 0) as run_id, currency, status,
                 count(*) as n, sum(amount_minor)::bigint as amount
          from new_rows group by 1, 2, 3, 4) g
    having count(*) > 0;
    return null;
end $$;

create or replace function invoice_tally_on_update() returns trigger language plpgsql as $$
begin
    insert into invoice_tally_batch (periods, run_ids, currencies, statuses, invoices, amounts_minor)
    select array_agg(billing_period), array_agg(run_id), array_agg(currency), array_agg(status),
           array_agg(n), array_agg(amount)
    from (select billing_period, run_id, currency, status, sum(n)::bigint as n, sum(amount)::bigint as amount
          from (select billing_period, coalesce(billing_run_id, 0) as run_id, currency, status, 1 as n, amount_minor as amount
                from new_rows
                union all
                select billing_period, coalesce(billing_run_id, 0), currency, status, -1, -amount_minor
                from old_rows) d
          group by 1, 2, 3, 4
          having sum(n) <> 0 or sum(amount) <> 0) g
    having count(*) > 0;
    return null;
end $$;

create or replace function invoice_tally_on_delete() returns trigger language plpgsql as $$
begin
    insert into invoice_tally_batch (periods, run_ids, currencies, statuses, invoices, amounts_minor)
    select array_agg(billing_period), array_agg(run_id), array_agg(currency), array_agg(status),
           array_agg(n), array_agg(amount)
    from (select billing_period, coalesce(billing_run_id, 0) as run_id, currency, status,
                 -count(*) as n, -sum(amount_minor)::bigint as amount
          from old_rows group by 1, 2, 3, 4) g
    having count(*) > 0;
    return null;
end $$;

create or replace function invoice_tally_on_truncate() returns trigger language plpgsql as $$
begin
    delete from invoice_tally;
    delete from invoice_tally_batch;
    return null;
end $$;

-- As V50.1's, folding the statement rows: returns how many (period, run, currency, status) groups
-- of invoice deltas and decline delta rows it folded, or -1 when another session is folding.
create or replace function tally_compact() returns bigint language plpgsql as $$
declare
    folded bigint;
    declines bigint;
begin
    if not pg_try_advisory_xact_lock(1413565505, 1) then -- "TALL", 1
        return -1;
    end if;
    with gone as (delete from invoice_tally_batch returning *),
    groups as (
        select u.* from gone,
               unnest(gone.periods, gone.run_ids, gone.currencies, gone.statuses, gone.invoices, gone.amounts_minor)
                 as u(billing_period, run_id, currency, status, invoices, amount_minor)),
    summed as (
        select billing_period, run_id, currency, status, sum(invoices)::bigint as invoices,
               sum(amount_minor)::bigint as amount_minor, count(*) as n
        from groups group by 1, 2, 3, 4),
    upserted as (
        insert into invoice_tally as t (billing_period, run_id, currency, status, invoices, amount_minor)
        select billing_period, run_id, currency, status, invoices, amount_minor from summed
        order by 1, 2, 3, 4
        on conflict (billing_period, run_id, currency, status) do update
        set invoices = t.invoices + excluded.invoices, amount_minor = t.amount_minor + excluded.amount_minor)
    select coalesce(sum(n), 0) into folded from summed;
    with gone as (delete from decline_tally_delta returning *),
    summed as (select billing_period, code, sum(attempts)::bigint as attempts, count(*) as n from gone group by 1, 2),
    upserted as (
        insert into decline_tally as t (billing_period, code, attempts)
        select billing_period, code, attempts from summed
        order by 1, 2
        on conflict (billing_period, code) do update set attempts = t.attempts + excluded.attempts)
    select coalesce(sum(n), 0) into declines from summed;
    if folded > 0 then
        delete from invoice_tally where invoices = 0 and amount_minor = 0;
    end if;
    if declines > 0 then
        delete from decline_tally where attempts = 0;
    end if;
    return folded + declines;
end $$;
