-- New attempts, outcome UNKNOWN, written before the provider is called (ChargeStore.insertAttempts).
-- The clock is read once for the statement (V102), not by the created_at default per row.
insert into charge_attempt (invoice_id, attempt_no, idempotency_key, amount_minor, currency, worker, calls, created_at)
select t.invoice_id, t.no, t.key, t.amount, t.currency, :worker, 1, (select charon_now())
from unnest(:ids::bigint[], :numbers::int[], :keys::text[], :amounts::bigint[], :currencies::text[])
  as t(invoice_id, no, key, amount, currency)
returning id, invoice_id, idempotency_key
