-- New attempts, outcome UNKNOWN, written before the provider is called (ChargeStore.insertAttempts).
insert into charge_attempt (invoice_id, attempt_no, idempotency_key, amount_minor, currency, worker, calls)
select t.invoice_id, t.no, t.key, t.amount, t.currency, :worker, 1
from unnest(:ids::bigint[], :numbers::int[], :keys::text[], :amounts::bigint[], :currencies::text[])
  as t(invoice_id, no, key, amount, currency)
returning id, invoice_id, idempotency_key
