-- Lock invoices in id order before settling or deferring them (ChargeStore), so that concurrent
-- deliveries of one invoice queue on its row instead of deadlocking. The caller sorts the ids.
select id from invoice where id = any(:ids::bigint[]) order by id for update
