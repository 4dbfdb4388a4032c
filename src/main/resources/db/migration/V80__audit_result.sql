-- The standing audit (issue 25): each scheduled run of the live-safe audit leaves one row, so every
-- server can publish the last result as gauges and the console can show it, whichever server ran
-- it. A run that could not finish (the provider's ledger unreachable) is a row too: "the audit did
-- not run" must not read as "no differences".
create table audit_result (
    id                bigint generated always as identity primary key,
    started_at        timestamptz not null,
    finished_at       timestamptz not null,
    outcome           text        not null check (outcome in ('RECONCILES', 'DIFFERENCES', 'FAILED')),
    -- Violations by check kind (e.g. {"double_charge": 0, ...}) and the per-currency totals; empty
    -- when the run failed.
    differences       jsonb       not null default '{}',
    examples          jsonb       not null default '{}',
    currencies        jsonb       not null default '[]',
    cut               timestamptz,
    provider_charges  bigint,
    in_flight         bigint,
    in_flight_charges bigint,
    error             text,
    ran_by            text        not null,
    constraint failed_has_error check ((outcome = 'FAILED') = (error is not null))
);

create index audit_result_outcome_idx on audit_result (outcome, id);
