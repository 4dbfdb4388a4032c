-- The attempt that sent the key is still open (UNKNOWN): the provider's charge is its outcome.
update charge_attempt
set outcome = 'CHARGED', provider_reference = :reference, detail = :detail, completed_at = charon_now()
where id = :id and outcome = 'UNKNOWN'
