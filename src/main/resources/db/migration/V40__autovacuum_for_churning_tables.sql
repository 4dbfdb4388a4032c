-- Storage parameters for the tables a billing run churns (issue 17). PostgreSQL's defaults vacuum
-- a table once 20 % of it is dead (plus 50 rows): on a 10,000,000-invoice table that is 2,000,000
-- dead rows, and a queue table that is refilled and emptied every run can reach its threshold only
-- after the run is over. The 1,000,000-invoice benchmark run spent most of its PostgreSQL time
-- stepping over such dead rows in invoice and charge_request (bench/analysis.md, 2026-11-30).
-- Thresholds are in rows so that they mean the same on a small and a large database.
-- fillfactor leaves room on each page for an updated row to stay on it (a HOT update: no index
-- entries written, the old version pruned without VACUUM); it applies to pages written from now on.

-- invoice: a run updates each invoice three times (PENDING -> PROCESSING, attempt_count at open,
-- the outcome). The attempt_count update touches no indexed column, so with free space on the
-- page it is HOT; status changes are not (status is indexed). Vacuum and analyze after 2 % of the
-- table changed (10,000 rows at least), so a large table is not left with a run's worth of dead
-- rows and the planner sees the new status distribution while the run still goes on.
alter table invoice set (
    fillfactor = 90,
    autovacuum_vacuum_scale_factor = 0.02,
    autovacuum_vacuum_threshold = 10000,
    autovacuum_vacuum_insert_scale_factor = 0.05,
    autovacuum_analyze_scale_factor = 0.02,
    autovacuum_analyze_threshold = 10000
);

-- charge_request: a queue. Every row is inserted, leased (lease_owner, lease_until, deliveries:
-- not indexed, so HOT with free space on the page) and deleted within minutes; the live table is
-- small and the dead rows are all of the cost. Vacuum on an absolute number of dead rows, without
-- the cost delay (a vacuum of a small table is cheap, one that waits lets the claim's index scan
-- step over more dead entries), and keep the statistics fresh for the claim's plan.
alter table charge_request set (
    fillfactor = 70,
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 5000,
    autovacuum_vacuum_cost_delay = 0,
    autovacuum_analyze_scale_factor = 0,
    autovacuum_analyze_threshold = 5000
);

-- charge_attempt: one insert and one update (the outcome, which is in the partial unique
-- indexes' predicates, so not HOT) per attempt; grows by a run's size each month.
alter table charge_attempt set (
    autovacuum_vacuum_scale_factor = 0.02,
    autovacuum_vacuum_threshold = 10000,
    autovacuum_vacuum_insert_scale_factor = 0.05,
    autovacuum_analyze_scale_factor = 0.02,
    autovacuum_analyze_threshold = 10000
);

-- event_outbox: one insert per invoice state change and one update when the relay publishes it
-- (published_at is in the partial index's predicate). The relay's scan of unpublished rows walks
-- that index, which dead entries slow down.
alter table event_outbox set (
    autovacuum_vacuum_scale_factor = 0.02,
    autovacuum_vacuum_threshold = 10000,
    autovacuum_vacuum_insert_scale_factor = 0.05,
    autovacuum_analyze_scale_factor = 0.02,
    autovacuum_analyze_threshold = 10000
);

-- invoice_history: append only. Insert-driven vacuum keeps its visibility map current (index-only
-- scans for the history reads) without waiting for 20 % of a table that only grows.
alter table invoice_history set (
    autovacuum_vacuum_insert_scale_factor = 0.05,
    autovacuum_analyze_scale_factor = 0.02,
    autovacuum_analyze_threshold = 10000
);

-- scheduled_tasks (db-scheduler): a handful of rows whose heartbeat and execution time are updated
-- every few seconds by every instance, for months. Indexed columns change, so nothing is HOT:
-- vacuum on a small absolute number, unthrottled.
alter table scheduled_tasks set (
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 200,
    autovacuum_vacuum_cost_delay = 0
);
