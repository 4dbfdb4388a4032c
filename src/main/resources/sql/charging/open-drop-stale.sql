-- Requests whose invoice is no longer PROCESSING (ChargeStore.open). Every invoice of the batch is
-- locked by open-lock, not only the PROCESSING ones: otherwise the retry task could move a stale one
-- back to PROCESSING and enqueue a fresh request between the read and this delete, which would then
-- delete that request and strand the invoice.
delete from charge_request where invoice_id = any(:ids::bigint[])
