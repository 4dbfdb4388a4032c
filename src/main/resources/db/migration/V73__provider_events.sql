-- The provider's own events (issue 24): Stripe webhooks, and the gateway's signed events, stored
-- the moment their signature is verified and before anything is applied (provider/ProviderEvents).
-- The provider's event id is unique per provider: a redelivery inserts nothing. Applying is
-- asynchronous (provider/ProviderEventApplier), claimed with SKIP LOCKED so any server may do it.
-- RECEIVED: not applied yet. APPLIED: it changed Charon (or Charon already had it). IGNORED: a type
-- or state that needs nothing. UNMATCHED: about a charge, refund or dispute Charon cannot place;
-- kept and reported, never retried. FAILED: applying it kept failing; kept and reported.
create table provider_event (
    id              bigint generated always as identity primary key,
    provider        text        not null check (provider in ('stripe', 'gateway')),
    event_id        text        not null,
    type            text        not null,
    payload         jsonb       not null,
    provider_created timestamptz,
    received_at     timestamptz not null default charon_now(),
    status          text        not null default 'RECEIVED'
                        check (status in ('RECEIVED', 'APPLIED', 'IGNORED', 'UNMATCHED', 'FAILED')),
    outcome         text,
    invoice_id      bigint,
    tries           integer     not null default 0 check (tries >= 0),
    next_attempt_at timestamptz not null default charon_now(),
    settled_at      timestamptz,
    unique (provider, event_id),
    constraint settled_has_time check ((status = 'RECEIVED') = (settled_at is null))
);

create index provider_event_pending_idx on provider_event (next_attempt_at, id) where status = 'RECEIVED';
create index provider_event_status_idx on provider_event (status, id);
