-- The statement-level triggers that join a statement's old and new rows by id (the invoice history
-- of V1, the invoice events of V5) are plpgsql: each backend plans their insert once, at its first
-- call, and keeps that plan. A transition table has no statistics; the planner sizes it by the rows
-- it holds at that first call. A backend whose first invoice update changed one row (an API void, a
-- settle of one invoice, a run's last small batch) keeps a nested loop of old rows against new
-- rows, and every later statement of that backend compares each new row with each old one:
-- quadratic. Measured on the 2,000,000-invoice benchmark database (issue 17, bench/analysis.md):
-- the producer's batches of 1,000 spent 0.6-1.4 s each in these two inserts (load 30); a scratch
-- table showed 1,000 rows 1.06 s instead of 0.08 s and 5,000 rows 24 s after a first one-row update
-- in the same session. With nested loops off inside these functions the join is a hash (or merge)
-- join whatever size the first call saw: linear, and no dearer for one row.
alter function invoice_history_on_update() set enable_nestloop = off;
alter function invoice_events_on_update() set enable_nestloop = off;
