-- The invoices' attempt count, in step with the attempts just inserted (ChargeStore.insertAttempts).
update invoice i set attempt_count = t.no
from unnest(:ids::bigint[], :numbers::int[]) as t(id, no) where i.id = t.id
