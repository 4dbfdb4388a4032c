-- The provider refused the refund (RefundStore.fail): FAILED with its code and why. A refund no
-- longer open is left alone; FAILED releases its reservation (it no longer counts as held).
update refund set status = 'FAILED', failure_code = :code, failure = :failure, settled_at = :now,
                  lease_owner = null, lease_until = null
where id = :id and status in ('REQUESTED', 'UNKNOWN')
