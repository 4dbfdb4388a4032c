-- What the provider did on its own (issue 24): disputes on charges, and where the backstop that
-- pages the provider's refunds and disputes got to.

-- One row per dispute the provider reported. OPEN: the invoice is DISPUTED. WON: the money stays
-- (the invoice is PAID again). LOST: the provider took the amount back; the invoice stays
-- DISPUTED and the amount is off the books.
create table dispute (
    id                  bigint generated always as identity primary key,
    invoice_id          bigint      not null references invoice (id),
    provider_dispute_id text        not null unique,
    amount_minor        bigint      not null check (amount_minor > 0),
    currency            char(3)     not null references currency (code),
    status              text        not null check (status in ('OPEN', 'WON', 'LOST')),
    opened_at           timestamptz not null default charon_now(),
    closed_at           timestamptz,
    constraint closed_has_time check ((status = 'OPEN') = (closed_at is null))
);

create index dispute_invoice_idx on dispute (invoice_id);

-- A refund the provider made is known by its reference, however it arrived.
create unique index refund_provider_reference_idx on refund (provider_reference)
    where provider_reference is not null;

-- The backstop's position in each of the provider's lists (gateway: refundSeq, disputeSeq).
create table provider_cursor (
    name        text        primary key,
    after       bigint      not null check (after >= 0),
    updated_at  timestamptz not null default charon_now()
);
