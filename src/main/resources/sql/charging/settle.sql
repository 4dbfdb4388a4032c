-- Record final outcomes, guarded (ChargeStore.settle): an attempt is completed only while still
-- UNKNOWN, and its invoice moves only from PROCESSING, in the same statement; the outbox row goes
-- with it. UNAVAILABLE completes an attempt only if no other delivery has sent the key since this
-- call was opened (calls unchanged). The invoice takes its new state from the input row that
-- completed its attempt, joined by position (ord), not by invoice: a batch may hold two results for
-- one attempt, from duplicate deliveries, of which the guard lets only one through.
with input as (
  select * from unnest(:invoices::bigint[], :attempts::bigint[], :calls::int[], :outcomes::text[], :refs::text[],
                       :statuses::text[], :paid::text[], :next::text[], :failures::text[], :reasons::text[], :codes::text[])
    with ordinality as t(invoice_id, attempt_id, calls, outcome, ref, status, paid_at, next_at, failure, reason, code, ord)),
att as (
  update charge_attempt a
  set outcome = i.outcome, provider_reference = i.ref, detail = i.reason, decline_code = i.code, completed_at = charon_now()
  from input i where a.id = i.attempt_id and a.outcome = 'UNKNOWN'
    and (i.outcome <> 'UNAVAILABLE' or a.calls = i.calls)
  returning i.ord),
inv as (
  update invoice v
  set status = i.status, paid_at = i.paid_at::timestamptz, next_attempt_at = i.next_at::timestamptz,
      last_failure = coalesce(i.failure, v.last_failure), status_reason = i.reason, status_actor = :worker
  from input i join att on att.ord = i.ord
  where v.id = i.invoice_id and v.status in (${PAY.from})
  returning v.id, i.ord),
done as (delete from charge_request r using inv where r.invoice_id = inv.id)
select ord from inv
