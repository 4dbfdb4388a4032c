-- The attempt that sent the key was forgotten by the database: recreated, with its outcome. calls
-- is 0: this process made no call with the key.
insert into charge_attempt (invoice_id, attempt_no, idempotency_key, amount_minor, currency, outcome,
                            provider_reference, detail, worker, calls, completed_at)
values (:invoice, :attempt, :key, :amount, :currency, 'CHARGED', :reference, :detail, :worker, 0, charon_now())
