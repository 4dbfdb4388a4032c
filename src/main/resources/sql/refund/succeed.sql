-- The provider made the refund (RefundStore.succeed), recorded once: a duplicate record (another
-- executor, a replay after a crash) finds the refund settled and changes nothing.
update refund set status = 'SUCCEEDED', provider_reference = :reference, settled_at = :now,
                  lease_owner = null, lease_until = null
where id = :id and status in ('REQUESTED', 'UNKNOWN')
returning invoice_id, refund_no, customer_id, amount_minor, currency, reason, actor
