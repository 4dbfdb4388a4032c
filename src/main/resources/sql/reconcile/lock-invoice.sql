-- The invoice a provider charge names, locked for its adoption (candidates are taken in id order,
-- as every charge-path transaction locks invoices).
select id, customer_id, amount_minor, currency, status, attempt_count
from invoice where id = :id
for update
