-- Money back (issue 24): refunds, credit notes and the customer's credit balance.

-- The lifecycle's new statuses (invoice.domain.InvoiceTransition): a paid invoice is partly or
-- wholly refunded, or disputed. Each is still an invoice that was paid, so it keeps its paid_at.
alter table invoice drop constraint invoice_status_check;
alter table invoice add constraint invoice_status_check check (status in
    ('PENDING', 'PROCESSING', 'RETRY_SCHEDULED', 'ACTION_REQUIRED', 'UNCOLLECTIBLE', 'VOID', 'PAID',
     'PARTIALLY_REFUNDED', 'REFUNDED', 'DISPUTED'));
alter table invoice drop constraint paid_at_iff_paid;
alter table invoice add constraint paid_at_iff_paid check (
    (status in ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED', 'DISPUTED')) = (paid_at is not null));

-- credited_minor: the part of the invoice the customer's credit balance paid (never charged, so
-- never refunded to a card); the provider is charged amount_minor - credited_minor. refunded_minor:
-- what refunds gave back at the provider. Neither can exceed what it is taken from. Both columns
-- have constant defaults: adding them rewrites no row.
alter table invoice add column credited_minor bigint not null default 0;
alter table invoice add column refunded_minor bigint not null default 0;
alter table invoice add constraint credit_and_refund_within_amount check (
    credited_minor >= 0 and refunded_minor >= 0 and credited_minor <= amount_minor
    and refunded_minor <= amount_minor - credited_minor);

-- The history records every change of the status or of the money on the invoice (a second partial
-- refund leaves the status PARTIALLY_REFUNDED and is still a change with an actor and a reason).
create or replace function invoice_history_on_update() returns trigger language plpgsql
set enable_nestloop = off as $$
begin
    insert into invoice_history (invoice_id, old_status, new_status, reason, actor)
    select n.id, o.status, n.status, n.status_reason, n.status_actor
    from new_rows n join old_rows o on o.id = n.id
    where o.status is distinct from n.status
       or o.refunded_minor <> n.refunded_minor or o.credited_minor <> n.credited_minor;
    return null;
end $$;

create or replace function invoice_event_type(status text) returns text language sql immutable as $$
    select case status
        when 'PAID' then 'invoice.paid'
        when 'RETRY_SCHEDULED' then 'invoice.payment_failed'
        when 'ACTION_REQUIRED' then 'invoice.action_required'
        when 'UNCOLLECTIBLE' then 'invoice.uncollectible'
        when 'VOID' then 'invoice.voided'
        when 'DISPUTED' then 'invoice.disputed'
    end
$$;

-- A refund's money reaching the invoice is invoice.refunded, whether or not the status changes.
create or replace function invoice_events_on_update() returns trigger language plpgsql
set enable_nestloop = off as $$
begin
    insert into event_outbox (type, subject, data)
    select t.type, 'invoices/' || n.id,
           jsonb_build_object(
               'invoiceId', n.id, 'customerId', n.customer_id, 'status', n.status, 'previousStatus', o.status,
               'amountMinor', n.amount_minor, 'currency', n.currency, 'billingPeriod', n.billing_period,
               'billingRunId', n.billing_run_id, 'attemptCount', n.attempt_count, 'paidAt', n.paid_at,
               'nextAttemptAt', n.next_attempt_at, 'reason', n.status_reason, 'actor', n.status_actor,
               'creditedMinor', n.credited_minor, 'refundedMinor', n.refunded_minor,
               'refundMinor', n.refunded_minor - o.refunded_minor)
    from new_rows n join old_rows o on o.id = n.id
    cross join lateral (select case
        when n.refunded_minor > o.refunded_minor then 'invoice.refunded'
        when o.status is distinct from n.status then invoice_event_type(n.status)
        end as type) t
    where t.type is not null
    order by n.id;
    return null;
end $$;

-- One row per refund Charon asked for (source charon) or learned of (source provider). The
-- idempotency key is written with the row, in the transaction that reserves the money, before any
-- provider call: whoever sends it, whenever, sends that key. REQUESTED: never sent. UNKNOWN: sent
-- (or about to be), outcome not yet known. SUCCEEDED / FAILED: settled. The lease is the
-- executor's (refund.RefundExecutor): a dead executor's lease lapses and another sends the key
-- again.
create table refund (
    id                 bigint generated always as identity primary key,
    invoice_id         bigint      not null references invoice (id),
    refund_no          integer     not null check (refund_no > 0),
    customer_id        bigint      not null references customer (id),
    amount_minor       bigint      not null check (amount_minor > 0),
    currency           char(3)     not null references currency (code),
    reason             text        not null check (length(reason) between 1 and 500),
    actor              text        not null,
    status             text        not null default 'REQUESTED'
                           check (status in ('REQUESTED', 'UNKNOWN', 'SUCCEEDED', 'FAILED')),
    source             text        not null default 'charon' check (source in ('charon', 'provider')),
    idempotency_key    text        unique,
    provider_reference text,
    failure_code       text,
    failure            text,
    calls              integer     not null default 0 check (calls >= 0),
    next_attempt_at    timestamptz not null default charon_now(),
    lease_owner        text,
    lease_until        timestamptz,
    created_at         timestamptz not null default charon_now(),
    updated_at         timestamptz not null default charon_now(),
    settled_at         timestamptz,
    unique (invoice_id, refund_no),
    constraint charon_refund_has_key check (source <> 'charon' or idempotency_key is not null),
    constraint settled_has_time check ((status in ('SUCCEEDED', 'FAILED')) = (settled_at is not null)),
    constraint succeeded_has_reference check (status <> 'SUCCEEDED' or provider_reference is not null)
);

create index refund_open_idx on refund (next_attempt_at, id) where status in ('REQUESTED', 'UNKNOWN');
create index refund_customer_idx on refund (customer_id, id);
create index refund_status_idx on refund (status, id);
create trigger refund_touch before update on refund for each row execute function touch_row();

-- Credit notes: numbered documents that are never edited (EU invoicing: a correction is a new
-- document). The number is gapless per series and year: the counter row is incremented in the
-- transaction that inserts the note, so a rolled-back note gives its number back and concurrent
-- creators queue on the counter row. A sequence would leave gaps.
create table credit_note_counter (
    series   text    not null,
    year     integer not null,
    last_no  integer not null check (last_no > 0),
    primary key (series, year)
);

create table credit_note (
    id           bigint generated always as identity primary key,
    number       text        not null unique,
    series       text        not null,
    year         integer     not null,
    seq          integer     not null check (seq > 0),
    kind         text        not null check (kind in ('REFUND', 'CREDIT')),
    invoice_id   bigint      not null references invoice (id),
    refund_id    bigint      unique references refund (id),
    customer_id  bigint      not null references customer (id),
    amount_minor bigint      not null check (amount_minor > 0),
    currency     char(3)     not null references currency (code),
    reason       text        not null,
    actor        text        not null,
    issued_at    timestamptz not null default charon_now(),
    unique (series, year, seq),
    constraint refund_note_has_refund check ((kind = 'REFUND') = (refund_id is not null))
);

create index credit_note_invoice_idx on credit_note (invoice_id, id);
create index credit_note_customer_idx on credit_note (customer_id, id);

create trigger credit_note_immutable before update or delete on credit_note
    for each row execute function reject_change();

-- The customer's credit balance: a ledger per currency (credits positive, consumption negative),
-- append-only; credit_balance holds its sum per customer and currency, kept by a trigger in the
-- same transaction. Its row is what consumers lock, and its check makes overspending impossible.
create table credit_ledger (
    id             bigint generated always as identity primary key,
    customer_id    bigint      not null references customer (id),
    currency       char(3)     not null references currency (code),
    amount_minor   bigint      not null check (amount_minor <> 0),
    credit_note_id bigint      references credit_note (id),
    invoice_id     bigint      references invoice (id),
    reason         text        not null,
    created_at     timestamptz not null default charon_now()
);

create index credit_ledger_customer_idx on credit_ledger (customer_id, currency, id);

create trigger credit_ledger_append_only before update or delete on credit_ledger
    for each row execute function reject_change();

create table credit_balance (
    customer_id    bigint  not null references customer (id),
    currency       char(3) not null references currency (code),
    balance_minor  bigint  not null check (balance_minor >= 0),
    primary key (customer_id, currency)
);

-- A credit upserts; a consumption only ever meets an existing row (its consumer locked it). An
-- upsert of a negative amount would fail: insert ... on conflict checks the proposed row against
-- the balance's check before it finds the conflict.
create function credit_balance_on_ledger() returns trigger language plpgsql as $$
begin
    if new.amount_minor > 0 then
        insert into credit_balance as b (customer_id, currency, balance_minor)
        values (new.customer_id, new.currency, new.amount_minor)
        on conflict (customer_id, currency) do update set balance_minor = b.balance_minor + excluded.balance_minor;
    else
        update credit_balance set balance_minor = balance_minor + new.amount_minor
        where customer_id = new.customer_id and currency = new.currency;
        if not found then
            raise exception 'customer % has no % credit balance to consume', new.customer_id, new.currency
                using errcode = 'check_violation';
        end if;
    end if;
    return null;
end $$;

create trigger credit_ledger_balance after insert on credit_ledger
    for each row execute function credit_balance_on_ledger();

create function credit_note_event() returns trigger language plpgsql as $$
begin
    insert into event_outbox (type, subject, data)
    values ('credit_note.created', 'credit-notes/' || new.id,
            jsonb_build_object('creditNoteId', new.id, 'number', new.number, 'kind', new.kind,
                               'invoiceId', new.invoice_id, 'refundId', new.refund_id,
                               'customerId', new.customer_id, 'amountMinor', new.amount_minor,
                               'currency', new.currency, 'reason', new.reason, 'actor', new.actor,
                               'issuedAt', new.issued_at));
    return null;
end $$;

create trigger credit_note_created after insert on credit_note
    for each row execute function credit_note_event();
