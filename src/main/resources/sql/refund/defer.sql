-- Only the latest caller defers: a later call with the key may already have settled it or be
-- in flight under another lease.
update refund set next_attempt_at = :next, failure = :detail, lease_owner = null, lease_until = null,
                  status = case when cast(:neverProcessed as boolean) then 'REQUESTED' else status end
where id = :id and status = 'UNKNOWN' and lease_owner = :owner and calls = :calls
