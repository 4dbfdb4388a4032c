-- API keys and idempotent writes.
--
-- A key's secret is shown once, when it is created; only its SHA-256 is stored. Secrets are 256
-- random bits, so a fast hash is enough: there is nothing to brute-force. The prefix (the first
-- characters of the secret) lets operators tell keys apart in lists and logs without the secret.
create table api_key (
    id          bigint generated always as identity primary key,
    name        text        not null unique check (length(name) between 1 and 100),
    role        text        not null check (role in ('reader', 'operator')),
    prefix      text        not null,
    secret_hash bytea       not null unique check (length(secret_hash) = 32),
    created_at  timestamptz not null default now(),
    revoked_at  timestamptz
);

-- The first response to a POST with an Idempotency-Key, per API key, replayed for the same key.
-- Written in the same transaction as the write it answers, so a key is either unused or bound to
-- a committed result; a concurrent request with the same key waits on the primary key until the
-- first one commits, then replays it.
create table idempotency_key (
    api_key_id    bigint      not null references api_key (id),
    key           text        not null check (length(key) between 1 and 255),
    method        text        not null,
    path          text        not null,
    request_hash  bytea       not null,
    status        integer     not null,
    location      text,
    body          text        not null,
    created_at    timestamptz not null default now(),
    primary key (api_key_id, key)
);

create index idempotency_key_created_idx on idempotency_key (created_at);
