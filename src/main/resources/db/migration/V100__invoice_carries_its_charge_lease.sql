-- Issue 26: on the table intake the invoice row carries its own charge request: when it may be
-- offered to a worker (charge_available_at) and who holds it (charge_lease_owner). A claim moves
-- charge_available_at to the end of its lease (a visibility timeout), so a leased invoice leaves the
-- ready range of the index and a worker that dies simply lets it come back. A charged invoice is no
-- longer also inserted, leased and deleted as a charge_request row: three row writes fewer.
-- charge_request stays the outbox of the RabbitMQ intake, which publishes its rows.
-- charge_available_at is null whenever the invoice is not waiting to be charged: production and the
-- retry task set it with the move to PROCESSING, settling (and every other way out of PROCESSING)
-- clears it in the update that moves the invoice.
alter table invoice
    add column charge_available_at timestamptz,
    add column charge_lease_owner text;

-- Requests in flight when this migration runs keep their place and their lease.
update invoice i
set charge_available_at = case when r.lease_until > r.available_at then r.lease_until else r.available_at end,
    charge_lease_owner = r.lease_owner
from charge_request r
where r.invoice_id = i.id;

create index invoice_charge_ready_idx on invoice (charge_available_at, id) where charge_available_at is not null;
