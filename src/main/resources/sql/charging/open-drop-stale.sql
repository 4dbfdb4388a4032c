-- Invoices of a batch that are no longer PROCESSING (ChargeStore.open): nothing left to charge, so
-- they stop being offered (the table intake) and their requests go (the RabbitMQ intake). Every
-- invoice of the batch is locked by open-lock, not only the PROCESSING ones: otherwise the retry
-- task could move a stale one back to PROCESSING and offer it afresh between the read and this
-- statement, which would then withdraw that fresh offer and strand the invoice.
with withdrawn as (
  update invoice set charge_available_at = null, charge_lease_owner = null
  where id = any(:ids::bigint[]) and charge_available_at is not null)
delete from charge_request where invoice_id = any(:ids::bigint[])
