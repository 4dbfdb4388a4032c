-- Record final outcomes, guarded (ChargeStore.settle): an attempt is completed only while still
-- UNKNOWN, and its invoice moves only from PROCESSING, in the same statement; the outbox row goes
-- with it. UNAVAILABLE completes an attempt only if no other delivery has sent the key since this
-- call was opened (calls unchanged). The invoice takes its new state from the input row that
-- completed its attempt, joined by position (ord), not by invoice: a batch may hold two results for
-- one attempt, from duplicate deliveries, of which the guard lets only one through. A moving invoice
-- stops being offered (charge_available_at, V100) in the same update.
-- attempt_count counts completed attempts and moves here, in the update that records the outcome
-- (issue 17: open no longer writes the invoice a second time). It moves even when the invoice does
-- not (no longer PROCESSING), so that the next attempt's number (attempt_count + 1) is always
-- free. `cur` reads the statuses before this statement; lock-invoices holds the rows.
-- The invoice update has no status filter of its own: a large table's statistics predate the run
-- and know no PROCESSING invoice, and a `v.status in (...)` guard (the statement before 0e5cdfe)
-- was planned as a scan of every PROCESSING invoice of the run per batch, 5.7-9.5 CPU-ms per
-- invoice on the 10,000,000-invoice benchmark database (bench/analysis.md). ChargePathPlanTest
-- keeps every charge-path statement on invoice_pkey under such statistics.
-- The clock is read once for the statement, not per row (V102).
with input as (
  select * from unnest(:invoices::bigint[], :attempts::bigint[], :calls::int[], :outcomes::text[], :refs::text[],
                       :statuses::text[], :paid::text[], :next::text[], :failures::text[], :reasons::text[], :codes::text[],
                       :brands::text[], :advice::text[], :netadvice::text[], :netdecline::text[])
    with ordinality as t(invoice_id, attempt_id, calls, outcome, ref, status, paid_at, next_at, failure, reason, code,
                         brand, advice, network_advice, network_decline, ord)),
att as (
  update charge_attempt a
  set outcome = i.outcome, provider_reference = i.ref, detail = i.reason, decline_code = i.code, completed_at = (select charon_now()),
      card_brand = i.brand, advice_code = i.advice, network_advice_code = i.network_advice,
      network_decline_code = i.network_decline
  from input i where a.id = i.attempt_id and a.outcome = 'UNKNOWN'
    and (i.outcome <> 'UNAVAILABLE' or a.calls = i.calls)
  returning i.ord, a.attempt_no),
cur as (select id, status in (${PAY.from}) as moving from invoice where id = any(:invoices::bigint[])),
inv as (
  update invoice v
  set attempt_count = greatest(v.attempt_count, att.attempt_no), updated_at = (select charon_now()),
      status = case when cur.moving then i.status else v.status end,
      paid_at = case when cur.moving then i.paid_at::timestamptz else v.paid_at end,
      next_attempt_at = case when cur.moving then i.next_at::timestamptz else v.next_attempt_at end,
      last_failure = case when cur.moving then coalesce(i.failure, v.last_failure) else v.last_failure end,
      status_reason = case when cur.moving then i.reason else v.status_reason end,
      status_actor = case when cur.moving then :worker else v.status_actor end,
      charge_available_at = case when cur.moving then null else v.charge_available_at end,
      charge_lease_owner = case when cur.moving then null else v.charge_lease_owner end
  from input i join att on att.ord = i.ord join cur on cur.id = i.invoice_id
  where v.id = i.invoice_id and (cur.moving or v.attempt_count < att.attempt_no)
  returning v.id, i.ord, cur.moving),
-- The RabbitMQ intake's request goes with the move (the table intake's lives on the invoice row).
done as (delete from charge_request r using inv where r.invoice_id = inv.id and inv.moving)
select ord from inv where moving
