-- Reporting for Metabase and SQL users: a `reporting` schema of aggregate views and a NOLOGIN group
-- role, charon_reporting, that may read those views and nothing else. docs/reporting.md explains
-- each column and how to give Metabase a login in this role.
--
-- The views are ordinary (not security_invoker) views: they read the base tables with their
-- owner's rights, so the role needs no grant on any table in public. security_barrier keeps a
-- caller's own functions in a WHERE clause from being run on base rows the view filters out.
-- Months and ages are computed in UTC so that every session, whatever its TimeZone, sees the
-- same numbers.

create schema reporting;
comment on schema reporting is
    'Read-only aggregate views of Charon''s billing data for Metabase and SQL users (docs/reporting.md).';

-- Money collected, by the UTC month it was collected in (paid_at) and currency.
create view reporting.revenue_by_month with (security_barrier) as
select to_char(i.paid_at at time zone 'UTC', 'YYYY-MM')              as period,
       date_trunc('month', i.paid_at at time zone 'UTC')::date       as month_start,
       i.currency::text                                              as currency,
       count(*)                                                      as invoices_paid,
       sum(i.amount_minor)::bigint                                   as amount_collected_minor,
       round(sum(i.amount_minor) / 10::numeric ^ c.minor_unit, c.minor_unit) as amount_collected
from invoice i
join currency c on c.code = i.currency
where i.status = 'PAID'
group by 1, 2, 3, c.minor_unit;

comment on view reporting.revenue_by_month is
    'Money collected per UTC calendar month of payment (paid_at, not billing period) and currency. One row per month and currency with at least one paid invoice.';
comment on column reporting.revenue_by_month.period is 'Month the invoices were paid, YYYY-MM (UTC).';
comment on column reporting.revenue_by_month.month_start is 'First day of that month, for time-series charts.';
comment on column reporting.revenue_by_month.currency is 'ISO 4217 code. Amounts are never summed across currencies.';
comment on column reporting.revenue_by_month.invoices_paid is 'Invoices paid in the month.';
comment on column reporting.revenue_by_month.amount_collected_minor is 'Sum of their amounts in minor units (cents; yen for JPY).';
comment on column reporting.revenue_by_month.amount_collected is 'The same amount as a decimal with the currency''s scale (2 for EUR, 0 for JPY).';

-- Per billing run and currency: what the run charged and collected. The run-level view below is
-- built on it; Metabase users who chart money per run use this one.
create view reporting.collected_by_run with (security_barrier) as
select r.id                                                          as run_id,
       r.period::text                                                as period,
       i.currency::text                                              as currency,
       count(*)                                                      as invoices,
       count(*) filter (where i.status = 'PAID')                     as paid,
       coalesce(sum(i.amount_minor) filter (where i.status = 'PAID'), 0)::bigint as amount_collected_minor,
       round(coalesce(sum(i.amount_minor) filter (where i.status = 'PAID'), 0) / 10::numeric ^ c.minor_unit,
             c.minor_unit)                                           as amount_collected
from billing_run r
join invoice i on i.billing_run_id = r.id
join currency c on c.code = i.currency
group by r.id, i.currency, c.minor_unit;

comment on view reporting.collected_by_run is
    'Per billing run and currency: invoices the run took, how many are paid and the money collected. One row per run and currency.';
comment on column reporting.collected_by_run.run_id is 'billing_run id.';
comment on column reporting.collected_by_run.period is 'Billing period of the run, YYYY-MM.';
comment on column reporting.collected_by_run.currency is 'ISO 4217 code.';
comment on column reporting.collected_by_run.invoices is 'Invoices in this currency that the run took.';
comment on column reporting.collected_by_run.paid is 'Of those, how many are PAID now (including after dunning retries).';
comment on column reporting.collected_by_run.amount_collected_minor is 'Money collected, minor units.';
comment on column reporting.collected_by_run.amount_collected is 'Money collected as a decimal with the currency''s scale.';

create view reporting.collection_rate_by_run with (security_barrier) as
select r.id                                                          as run_id,
       r.period::text                                                as period,
       r.state,
       r.started_at,
       r.finished_at,
       r.enqueued,
       coalesce(s.invoices, 0)                                       as invoices,
       coalesce(s.paid, 0)                                           as paid,
       coalesce(s.retry_scheduled, 0)                                as retry_scheduled,
       coalesce(s.action_required, 0)                                as action_required,
       coalesce(s.uncollectible, 0)                                  as uncollectible,
       coalesce(s.voided, 0)                                         as voided,
       coalesce(s.in_flight, 0)                                      as in_flight,
       round(s.paid::numeric / nullif(s.invoices - s.voided, 0), 4)  as collection_rate,
       coalesce(m.collected, '{}'::jsonb)                            as collected
from billing_run r
left join (
    select i.billing_run_id,
           count(*)                                                        as invoices,
           count(*) filter (where i.status = 'PAID')                       as paid,
           count(*) filter (where i.status = 'RETRY_SCHEDULED')            as retry_scheduled,
           count(*) filter (where i.status = 'ACTION_REQUIRED')            as action_required,
           count(*) filter (where i.status = 'UNCOLLECTIBLE')              as uncollectible,
           count(*) filter (where i.status = 'VOID')                       as voided,
           count(*) filter (where i.status in ('PENDING', 'PROCESSING'))   as in_flight
    from invoice i
    where i.billing_run_id is not null
    group by i.billing_run_id
) s on s.billing_run_id = r.id
left join (
    select b.run_id, jsonb_object_agg(b.currency, b.amount_collected) as collected
    from reporting.collected_by_run b
    where b.paid > 0
    group by b.run_id
) m on m.run_id = r.id;

comment on view reporting.collection_rate_by_run is
    'One row per billing run: how many invoices it took, where they stand now by status, the collection rate and the money collected per currency.';
comment on column reporting.collection_rate_by_run.run_id is 'billing_run id.';
comment on column reporting.collection_rate_by_run.period is 'Billing period of the run, YYYY-MM.';
comment on column reporting.collection_rate_by_run.state is 'STARTED, PRODUCING, CHARGING or FINISHED.';
comment on column reporting.collection_rate_by_run.started_at is 'When the run started.';
comment on column reporting.collection_rate_by_run.finished_at is 'When it finished; null while it runs.';
comment on column reporting.collection_rate_by_run.enqueued is 'Charge requests the run produced.';
comment on column reporting.collection_rate_by_run.invoices is 'Invoices the run took (invoice.billing_run_id).';
comment on column reporting.collection_rate_by_run.paid is 'Of those, PAID now.';
comment on column reporting.collection_rate_by_run.retry_scheduled is 'Of those, failed and waiting for a retry (dunning or provider unavailable).';
comment on column reporting.collection_rate_by_run.action_required is 'Of those, failed and waiting for an operator (customer unknown, currency mismatch).';
comment on column reporting.collection_rate_by_run.uncollectible is 'Of those, given up (dunning exhausted or written off).';
comment on column reporting.collection_rate_by_run.voided is 'Of those, cancelled by an operator; left out of the collection rate.';
comment on column reporting.collection_rate_by_run.in_flight is 'Of those, PENDING or PROCESSING.';
comment on column reporting.collection_rate_by_run.collection_rate is 'paid / (invoices - voided), 0..1 rounded to 4 places; null when nothing is collectible.';
comment on column reporting.collection_rate_by_run.collected is 'Money collected per currency as JSON, e.g. {"EUR": 1234.50, "JPY": 9000}; reporting.collected_by_run has it as rows.';

-- Why invoices are not paid, per billing period and status. The reason is the outcome of the
-- invoice's latest failed charge attempt; without one, the kind of last_failure; without that,
-- the status was set by an operator (or by hand).
create view reporting.failures_by_reason with (security_barrier) as
select i.billing_period::text as period,
       i.status,
       case
           when a.outcome is not null then a.outcome
           when i.last_failure like 'declined%' then 'DECLINED'
           when i.last_failure like 'customer not found%' then 'CUSTOMER_NOT_FOUND'
           when i.last_failure like 'currency mismatch%' then 'CURRENCY_MISMATCH'
           when i.last_failure like 'provider unavailable%' then 'UNAVAILABLE'
           when i.last_failure is not null then 'OTHER'
           when i.status in ('VOID', 'UNCOLLECTIBLE') then 'OPERATOR'
           else 'UNRECORDED'
       end                    as reason,
       count(*)               as invoices
from invoice i
left join lateral (
    select ca.outcome
    from charge_attempt ca
    where ca.invoice_id = i.id
      and ca.outcome in ('DECLINED', 'CUSTOMER_NOT_FOUND', 'CURRENCY_MISMATCH', 'UNAVAILABLE')
    order by ca.attempt_no desc
    limit 1
) a on true
where i.status in ('RETRY_SCHEDULED', 'ACTION_REQUIRED', 'UNCOLLECTIBLE', 'VOID')
group by 1, 2, 3;

comment on view reporting.failures_by_reason is
    'Unpaid invoices in a failure status (RETRY_SCHEDULED, ACTION_REQUIRED, UNCOLLECTIBLE, VOID), counted per billing period, status and normalized reason.';
comment on column reporting.failures_by_reason.period is 'Billing period of the invoices, YYYY-MM.';
comment on column reporting.failures_by_reason.status is 'Current invoice status.';
comment on column reporting.failures_by_reason.reason is
    'DECLINED, CUSTOMER_NOT_FOUND, CURRENCY_MISMATCH or UNAVAILABLE (latest failed charge attempt, else last_failure); OTHER (an unrecognised last_failure); OPERATOR (VOID/UNCOLLECTIBLE with no provider failure); UNRECORDED (no failure recorded).';
comment on column reporting.failures_by_reason.invoices is 'Number of invoices.';

-- Unpaid money by how long it has been due, per currency.
create view reporting.unpaid_ageing with (security_barrier) as
with unpaid as (
    select i.currency, i.amount_minor, i.due_date,
           (current_timestamp at time zone 'UTC')::date - i.due_date as days_overdue
    from invoice i
    where i.status not in ('PAID', 'VOID')
)
select u.currency::text                                                 as currency,
       case when u.days_overdue < 0 then 'not due'
            when u.days_overdue <= 30 then '0-30'
            when u.days_overdue <= 60 then '31-60'
            when u.days_overdue <= 90 then '61-90'
            else '90+' end                                              as age_bucket,
       case when u.days_overdue < 0 then 0
            when u.days_overdue <= 30 then 1
            when u.days_overdue <= 60 then 2
            when u.days_overdue <= 90 then 3
            else 4 end                                                  as bucket_order,
       count(*)                                                         as invoices,
       sum(u.amount_minor)::bigint                                      as amount_minor,
       round(sum(u.amount_minor) / 10::numeric ^ c.minor_unit, c.minor_unit) as amount,
       min(u.due_date)                                                  as oldest_due_date
from unpaid u
join currency c on c.code = u.currency
group by 1, 2, 3, c.minor_unit;

comment on view reporting.unpaid_ageing is
    'Invoices neither PAID nor VOID (UNCOLLECTIBLE included), by currency and days since due_date, counted from today''s date in UTC.';
comment on column reporting.unpaid_ageing.currency is 'ISO 4217 code.';
comment on column reporting.unpaid_ageing.age_bucket is 'Days since due_date: not due (due in the future), 0-30, 31-60, 61-90, 90+ (91 and more).';
comment on column reporting.unpaid_ageing.bucket_order is 'Sort key of age_bucket, 0 (not due) to 4 (90+).';
comment on column reporting.unpaid_ageing.invoices is 'Number of unpaid invoices.';
comment on column reporting.unpaid_ageing.amount_minor is 'Their amount in minor units.';
comment on column reporting.unpaid_ageing.amount is 'Their amount as a decimal with the currency''s scale.';
comment on column reporting.unpaid_ageing.oldest_due_date is 'Earliest due_date in the bucket.';

-- How declined invoices move through dunning, per billing period. Each column from
-- declined_once to declined_thrice counts invoices declined at least that many times.
create view reporting.dunning_funnel with (security_barrier) as
with per_invoice as (
    select i.id, i.billing_period, i.status,
           count(a.id)                                       as attempts,
           count(a.id) filter (where a.outcome = 'DECLINED') as declines
    from invoice i
    left join charge_attempt a on a.invoice_id = i.id
    group by i.id
)
select p.billing_period::text                                                  as period,
       count(*)                                                                as invoices,
       count(*) filter (where p.attempts >= 1)                                 as attempted,
       count(*) filter (where p.declines >= 1)                                 as declined_once,
       count(*) filter (where p.declines >= 2)                                 as declined_twice,
       count(*) filter (where p.declines >= 3)                                 as declined_thrice,
       count(*) filter (where p.declines >= 1 and p.status = 'PAID')           as recovered_after_decline,
       count(*) filter (where p.declines >= 1 and p.status = 'RETRY_SCHEDULED') as in_dunning,
       count(*) filter (where p.declines >= 1 and p.status = 'UNCOLLECTIBLE')  as uncollectible
from per_invoice p
group by p.billing_period;

comment on view reporting.dunning_funnel is
    'Per billing period: invoices charged at least once, declined at least once/twice/three times, and how declined invoices ended (recovered, still in dunning, uncollectible).';
comment on column reporting.dunning_funnel.period is 'Billing period, YYYY-MM.';
comment on column reporting.dunning_funnel.invoices is 'All invoices of the period.';
comment on column reporting.dunning_funnel.attempted is 'Invoices with a first charge attempt.';
comment on column reporting.dunning_funnel.declined_once is 'Invoices declined at least once.';
comment on column reporting.dunning_funnel.declined_twice is 'Invoices declined at least twice.';
comment on column reporting.dunning_funnel.declined_thrice is 'Invoices declined at least three times.';
comment on column reporting.dunning_funnel.recovered_after_decline is 'Declined at least once, then PAID.';
comment on column reporting.dunning_funnel.in_dunning is 'Declined at least once and waiting for the next dunning retry (RETRY_SCHEDULED).';
comment on column reporting.dunning_funnel.uncollectible is 'Declined at least once and now UNCOLLECTIBLE (dunning exhausted, or written off after a decline).';

-- The read-only role. Roles belong to the whole server, so another database on it may have made
-- it already (and may be doing so right now); privileges belong to this database.
do $$
begin
    if not exists (select from pg_roles where rolname = 'charon_reporting') then
        if not exists (select from pg_roles where rolname = current_user and (rolsuper or rolcreaterole)) then
            raise exception 'role charon_reporting does not exist and % may not create roles', current_user
                using hint = 'As a superuser run "create role charon_reporting nologin;", then migrate again.';
        end if;
        begin
            create role charon_reporting nologin;
            comment on role charon_reporting is
                'Charon reporting: reads the views in schema reporting, nothing else. Grant it to a login role.';
        exception when duplicate_object or unique_violation then
            null; -- created at the same moment by the migration of another database
        end;
    end if;
end $$;

-- Nothing in public is granted to PUBLIC (or to the role); say so explicitly, in case a DBA did.
revoke all on all tables in schema public from public;
revoke all on all tables in schema public from charon_reporting;
revoke all on all sequences in schema public from public;
revoke all on schema reporting from public;

grant usage on schema reporting to charon_reporting;
grant select on all tables in schema reporting to charon_reporting;
-- Views later migrations add to the schema are readable by the role too.
alter default privileges in schema reporting grant select on tables to charon_reporting;

do $$
begin
    execute format('grant connect on database %I to charon_reporting', current_database());
exception when insufficient_privilege then
    raise notice 'could not grant connect on database % to charon_reporting (not its owner); PUBLIC has CONNECT unless revoked',
        current_database();
end $$;
