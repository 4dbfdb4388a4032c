-- Lease up to max ready invoices (TableIntake): the invoice row carries its charge request (V100).
-- The lease is a visibility timeout: charge_available_at moves to the lease's end, so a leased
-- invoice leaves the ready range and comes back by itself if its worker dies; charge_lease_owner
-- names the holder (hand-back, the past-lease gauge). A materialized CTE runs the SKIP LOCKED pick
-- exactly once: as `where id in (subquery)` the planner may re-run the subquery per row (a
-- nested-loop semi join under a generic plan) and lease far more than max rows (found by
-- bench/repro-claim-overlease.sh). The pick holds the invoice's row lock, so open never waits for
-- it behind a settle or a deferral of the same invoice. The clock is read once for the statement
-- (V102): `(select charon_now())` is an InitPlan.
with picked as materialized (
  select id from invoice
  where charge_available_at <= charon_now()
  order by charge_available_at, id
  limit :max
  for update skip locked)
update invoice i
set charge_lease_owner = :owner, charge_available_at = (select charon_now()) + :lease::bigint * interval '1 millisecond',
    updated_at = (select charon_now())
from picked
where i.id = picked.id
returning i.id as invoice_id
