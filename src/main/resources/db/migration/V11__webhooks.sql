-- Issue 14: Standard Webhooks delivery from the event outbox. Each endpoint has its own position
-- in the commit-safe event order (V10); a fan-out step copies the events it subscribes to into
-- webhook_delivery, and deliverers on any server claim due deliveries with a lease.

create table webhook_endpoint (
    id                          bigint generated always as identity primary key,
    url                         text        not null check (length(url) <= 2000),
    description                 text        not null default '' check (length(description) <= 500),
    -- Event types delivered; empty means every type.
    event_types                 text[]      not null default '{}',
    enabled                     boolean     not null default true,
    disabled_reason             text,
    -- AES-256-GCM under CHARON_WEBHOOKS_KEY (nonce || ciphertext): a database reader cannot sign.
    secret                      bytea       not null,
    -- After a rotation the old secret also signs until previous_secret_expires_at.
    previous_secret             bytea,
    previous_secret_expires_at  timestamptz,
    -- The last event position fanned out to this endpoint.
    cursor_xid                  xid8        not null,
    cursor_id                   bigint      not null,
    created_by                  text        not null,
    created_at                  timestamptz not null,
    updated_at                  timestamptz not null,
    constraint previous_secret_has_expiry check ((previous_secret is null) = (previous_secret_expires_at is null)),
    constraint disabled_has_reason check (enabled or disabled_reason is not null)
);

create table webhook_delivery (
    id               bigint generated always as identity primary key,
    endpoint_id      bigint      not null references webhook_endpoint (id) on delete cascade,
    event_outbox_id  bigint      not null references event_outbox (id),
    event_id         uuid        not null,
    event_type       text        not null,
    state            text        not null default 'PENDING' check (state in ('PENDING', 'DELIVERED', 'FAILED')),
    -- Attempts started; counted when claimed, before the call, so a deliverer that dies mid-call
    -- still used up its attempt.
    attempts         integer     not null default 0 check (attempts >= 0),
    next_attempt_at  timestamptz,
    lease_owner      text,
    lease_until      timestamptz,
    last_status      integer,
    last_latency_ms  integer,
    last_error       text,
    last_attempt_at  timestamptz,
    created_at       timestamptz not null,
    delivered_at     timestamptz,
    unique (endpoint_id, event_outbox_id),
    constraint pending_has_next check ((state = 'PENDING') = (next_attempt_at is not null))
);

create index webhook_delivery_due_idx on webhook_delivery (endpoint_id, next_attempt_at, id) where state = 'PENDING';
create index webhook_delivery_endpoint_idx on webhook_delivery (endpoint_id, id);

-- Every attempt, for operators: what was sent when, what came back.
create table webhook_attempt (
    id           bigint generated always as identity primary key,
    delivery_id  bigint      not null references webhook_delivery (id) on delete cascade,
    attempt_no   integer     not null check (attempt_no > 0),
    started_at   timestamptz not null,
    outcome      text        not null check (outcome in ('DELIVERED', 'RETRYING', 'FAILED', 'GONE')),
    status_code  integer,
    latency_ms   integer     not null,
    error        text,
    deliverer    text        not null
);

create index webhook_attempt_delivery_idx on webhook_attempt (delivery_id, id);
