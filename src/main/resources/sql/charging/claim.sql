-- Lease up to max ready requests (ChargeRequestLeases). A materialized CTE runs the SKIP LOCKED
-- pick exactly once: as `where id in (subquery)` the planner may re-run the subquery per row (a
-- nested-loop semi join under a generic plan) and lease far more than max rows (found by
-- bench/repro-claim-overlease.sh). The pick locks each request's invoice too, skipping requests
-- whose invoice another transaction holds: settling and deferring lock the invoice, then its
-- request, so a claim that held a request and then waited for its invoice (to open the attempt in
-- the same transaction) could deadlock with them. Holding both before open runs, it never waits.
with picked as materialized (
  select r.id from charge_request r join invoice i on i.id = r.invoice_id
  where r.available_at <= charon_now() and (r.lease_until is null or r.lease_until < charon_now())
  order by r.id
  limit :max
  for update of r, i skip locked)
update charge_request r
set lease_owner = :owner, lease_until = charon_now() + :lease::bigint * interval '1 millisecond',
    deliveries = deliveries + 1
from picked
where r.id = picked.id
returning r.id, r.invoice_id
