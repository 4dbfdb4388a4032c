update ledger_cursor
set position = :position, adopted = adopted + :adopted, updated_at = now()
where provider = :provider
