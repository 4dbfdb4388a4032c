-- Claimed rows go UNKNOWN before the call: from now on the provider may have processed the key.
-- untouched: it was REQUESTED, so no earlier call can have reached the provider's books. The
-- materialized pick runs once and never leases more than :n.
with picked as materialized (
  select id, status = 'REQUESTED' as untouched from refund
  where status in ('REQUESTED', 'UNKNOWN') and next_attempt_at <= charon_now()
    and (lease_until is null or lease_until < charon_now())
  order by next_attempt_at, id
  limit :n
  for update skip locked)
update refund r
set status = 'UNKNOWN', calls = r.calls + 1, lease_owner = :owner,
    lease_until = charon_now() + make_interval(secs => :lease)
from picked where r.id = picked.id
returning r.id, r.invoice_id, r.refund_no, r.customer_id, r.amount_minor, r.currency, r.reason,
          r.actor, r.idempotency_key, r.calls, picked.untouched,
          (select a.provider_reference from charge_attempt a
           where a.invoice_id = r.invoice_id and a.outcome = 'CHARGED') as charge_reference
