-- Version 50.1, not in issue 17's V45-V49: a database already at V50 (customer_provider_reference) would refuse
-- a lower version (Flyway validates in order; outOfOrder is off).
-- Invoice counts and money per billing period, billing run, currency and status, and declined
-- attempts per billing period and decline code, kept by triggers (issue 17). The console's overview
-- (GET /rest/v1/collection, a run's progress) read these instead of aggregating the invoice table,
-- so they answer in the same time on a 10,000,000-invoice database as on an empty one.
--
-- Exact, not estimated: every statement that inserts, updates or deletes invoices (the producer,
-- settle, dunning, void, write-off, retries, subscriptions, the API, SQL typed by hand) appends its
-- net change to a delta table in the same transaction, through statement-level triggers with
-- transition tables, one row per (period, run, currency, status) the statement changed. A read
-- adds the compacted tally and the deltas in one snapshot, so it sees exactly the committed
-- invoices. tally_compact() folds the deltas into the tally in one transaction.
--
-- No hot row: the deltas are append-only inserts (no index, no lock on a shared row), so concurrent
-- workers settling never wait for each other; only tally_compact() updates the tally, one at a
-- time (an advisory lock). Write cost: one delta row per group per statement (a settle batch of 30
-- PAID invoices writes PROCESSING -1 and PAID +1 per currency in it), then its delete when it is
-- folded: 0.82 row writes per charged invoice with five currencies (bench/analysis.md). Statements that change no counted
-- column (open's attempt_count) net to zero and write nothing.

-- run_id is the invoice's billing_run_id, 0 for an invoice outside any run (a key column cannot
-- be null). Amounts are minor units; a sum that left bigint would fail, never wrap.
create table invoice_tally (
    billing_period char(7) not null,
    run_id         bigint  not null,
    currency       char(3) not null,
    status         text    not null,
    invoices       bigint  not null,
    amount_minor   bigint  not null,
    primary key (billing_period, run_id, currency, status)
);

create table invoice_tally_delta (
    billing_period char(7) not null,
    run_id         bigint  not null,
    currency       char(3) not null,
    status         text    not null,
    invoices       bigint  not null,
    amount_minor   bigint  not null
);

-- Declined attempts (outcome DECLINED) per the invoice's billing period and decline code
-- ('unknown' without one).
create table decline_tally (
    billing_period char(7) not null,
    code           text    not null,
    attempts       bigint  not null,
    primary key (billing_period, code)
);

create table decline_tally_delta (
    billing_period char(7) not null,
    code           text    not null,
    attempts       bigint  not null
);

-- The delta tables are queues: rows live until the next fold (about a second on a server).
-- Vacuum them on a small absolute number of dead rows, without the cost delay.
alter table invoice_tally_delta set (
    autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 1000,
    autovacuum_vacuum_cost_delay = 0);
alter table decline_tally_delta set (
    autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 1000,
    autovacuum_vacuum_cost_delay = 0);
-- The tallies are updated in place by each fold; their counters are in no index, so the updates
-- are HOT with room on the page.
alter table invoice_tally set (fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
alter table decline_tally set (fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);

create function invoice_tally_on_insert() returns trigger language plpgsql as $$
begin
    insert into invoice_tally_delta (billing_period, run_id, currency, status, invoices, amount_minor)
    select billing_period, coalesce(billing_run_id, 0), currency, status, count(*), sum(amount_minor)::bigint
    from new_rows group by 1, 2, 3, 4;
    return null;
end $$;

create function invoice_tally_on_update() returns trigger language plpgsql as $$
begin
    insert into invoice_tally_delta (billing_period, run_id, currency, status, invoices, amount_minor)
    select billing_period, run_id, currency, status, sum(n)::bigint, sum(amount)::bigint
    from (select billing_period, coalesce(billing_run_id, 0) as run_id, currency, status, 1 as n, amount_minor as amount
          from new_rows
          union all
          select billing_period, coalesce(billing_run_id, 0), currency, status, -1, -amount_minor
          from old_rows) d
    group by 1, 2, 3, 4
    having sum(n) <> 0 or sum(amount) <> 0;
    return null;
end $$;

create function invoice_tally_on_delete() returns trigger language plpgsql as $$
begin
    insert into invoice_tally_delta (billing_period, run_id, currency, status, invoices, amount_minor)
    select billing_period, coalesce(billing_run_id, 0), currency, status, -count(*), -sum(amount_minor)::bigint
    from old_rows group by 1, 2, 3, 4;
    return null;
end $$;

-- TRUNCATE (tests, a reset by hand) empties the tally with the table.
create function invoice_tally_on_truncate() returns trigger language plpgsql as $$
begin
    delete from invoice_tally;
    delete from invoice_tally_delta;
    return null;
end $$;

create trigger invoice_tally_insert after insert on invoice
    referencing new table as new_rows
    for each statement execute function invoice_tally_on_insert();
create trigger invoice_tally_update after update on invoice
    referencing old table as old_rows new table as new_rows
    for each statement execute function invoice_tally_on_update();
create trigger invoice_tally_delete after delete on invoice
    referencing old table as old_rows
    for each statement execute function invoice_tally_on_delete();
create trigger invoice_tally_truncate after truncate on invoice
    for each statement execute function invoice_tally_on_truncate();

-- A declined attempt is counted under its invoice's billing period, so that period must not
-- change afterwards. Nothing in Charon changes it; this makes sure nothing does. The column list
-- keeps the check off every update that does not name billing_period.
create function invoice_period_fixed() returns trigger language plpgsql as $$
begin
    raise exception 'the billing period of invoice % cannot change (% to %)', old.id, old.billing_period, new.billing_period
        using errcode = 'check_violation', constraint = 'invoice_billing_period_fixed';
end $$;

create trigger invoice_period_fixed before update of billing_period on invoice
    for each row when (old.billing_period is distinct from new.billing_period)
    execute function invoice_period_fixed();

create function decline_tally_on_insert() returns trigger language plpgsql as $$
begin
    insert into decline_tally_delta (billing_period, code, attempts)
    select i.billing_period, coalesce(n.decline_code, 'unknown'), count(*)
    from new_rows n join invoice i on i.id = n.invoice_id
    where n.outcome = 'DECLINED'
    group by 1, 2;
    return null;
end $$;

-- Settle completes attempts from UNKNOWN: the old rows are never DECLINED there, and only the
-- declined new rows (a few per batch) are joined to their invoice.
create function decline_tally_on_update() returns trigger language plpgsql as $$
begin
    insert into decline_tally_delta (billing_period, code, attempts)
    select i.billing_period, d.code, sum(d.n)::bigint
    from (select invoice_id, coalesce(decline_code, 'unknown') as code, 1 as n from new_rows where outcome = 'DECLINED'
          union all
          select invoice_id, coalesce(decline_code, 'unknown'), -1 from old_rows where outcome = 'DECLINED') d
    join invoice i on i.id = d.invoice_id
    group by 1, 2
    having sum(d.n) <> 0;
    return null;
end $$;

create function decline_tally_on_delete() returns trigger language plpgsql as $$
begin
    insert into decline_tally_delta (billing_period, code, attempts)
    select i.billing_period, coalesce(o.decline_code, 'unknown'), -count(*)
    from old_rows o join invoice i on i.id = o.invoice_id
    where o.outcome = 'DECLINED'
    group by 1, 2;
    return null;
end $$;

create function decline_tally_on_truncate() returns trigger language plpgsql as $$
begin
    delete from decline_tally;
    delete from decline_tally_delta;
    return null;
end $$;

create trigger decline_tally_insert after insert on charge_attempt
    referencing new table as new_rows
    for each statement execute function decline_tally_on_insert();
create trigger decline_tally_update after update on charge_attempt
    referencing old table as old_rows new table as new_rows
    for each statement execute function decline_tally_on_update();
create trigger decline_tally_delete after delete on charge_attempt
    referencing old table as old_rows
    for each statement execute function decline_tally_on_delete();
create trigger decline_tally_truncate after truncate on charge_attempt
    for each statement execute function decline_tally_on_truncate();

-- Folds every committed delta into the tallies and drops tally rows that count nothing; returns
-- how many delta rows it folded, or -1 when another session is folding (it never waits). Deltas of
-- transactions still open are not visible to it and stay for the next fold. A reader's snapshot
-- sees either the deltas or their fold, never both.
create function tally_compact() returns bigint language plpgsql as $$
declare
    folded bigint;
    declines bigint;
begin
    if not pg_try_advisory_xact_lock(1413565505, 1) then -- "TALL", 1
        return -1;
    end if;
    with gone as (delete from invoice_tally_delta returning *),
    summed as (
        select billing_period, run_id, currency, status, sum(invoices)::bigint as invoices,
               sum(amount_minor)::bigint as amount_minor, count(*) as n
        from gone group by 1, 2, 3, 4),
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

-- The tallies of the invoices and attempts already there. The triggers above were created first
-- and hold their tables' locks until this migration commits, so no write slips between the two.
insert into invoice_tally (billing_period, run_id, currency, status, invoices, amount_minor)
select billing_period, coalesce(billing_run_id, 0), currency, status, count(*), sum(amount_minor)::bigint
from invoice group by 1, 2, 3, 4;

insert into decline_tally (billing_period, code, attempts)
select i.billing_period, coalesce(a.decline_code, 'unknown'), count(*)
from charge_attempt a join invoice i on i.id = a.invoice_id
where a.outcome = 'DECLINED'
group by 1, 2;
