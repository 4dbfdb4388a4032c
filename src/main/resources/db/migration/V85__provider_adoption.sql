-- Adopting what the provider did (issue 27). A charge in the provider's ledger whose invoice the
-- database does not show as PAID (the database forgot it: an asynchronous failover, a
-- point-in-time restore) is recorded as its attempt's outcome by the maintenance task
-- (reconcile/ProviderAdoption), which reads the ledger from a cursor kept here: one row per
-- provider, moved in the same transaction as the adoptions it covers, so a database that goes
-- back in time takes its cursor back with it and reads again what it forgot.
create table ledger_cursor (
    provider   text        primary key,
    position   text        not null,
    adopted    bigint      not null default 0 check (adopted >= 0),
    updated_at timestamptz not null default now()
);

-- The PostgreSQL timeline this lineage was last known to be on (reconcile/LineageWatch). A
-- promoted standby and a point-in-time restore start a new timeline, while this row, written
-- before, still names the old one: until the server has adopted the provider's charges since the
-- point the database returned to and recorded the new timeline, workers open no attempt
-- (charon_lineage_current(), checked by ChargeStore.open). No row: nobody has checked yet (a
-- database only workers use), and workers go on.
create table lineage_marker (
    id         int         primary key default 1 check (id = 1),
    timeline   int         not null,
    checked_at timestamptz not null default now()
);

-- The timeline of the WAL this server writes now: the first 8 hex digits of the current WAL
-- file's name. pg_control_checkpoint() would name it only after the first checkpoint on it.
create function charon_timeline() returns int language sql volatile as $$
    select ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int
$$;

create function charon_lineage_current() returns boolean language sql volatile as $$
    select coalesce((select timeline = charon_timeline() from lineage_marker where id = 1), true)
$$;
