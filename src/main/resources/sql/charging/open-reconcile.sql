-- Reconciliation (ChargeStore.open): an attempt left UNKNOWN by an earlier delivery is sent again
-- with its key, never replaced by a new one.
update charge_attempt set calls = calls + 1, worker = :worker
where invoice_id = any(:ids::bigint[]) and outcome = 'UNKNOWN'
returning id, invoice_id, idempotency_key, calls
