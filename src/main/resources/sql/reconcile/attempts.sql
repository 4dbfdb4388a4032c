-- An invoice's attempts, to place the adopted charge among them.
select id, attempt_no, idempotency_key, outcome from charge_attempt where invoice_id = :id order by attempt_no
