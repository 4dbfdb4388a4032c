-- One row per database lineage: the secret that idempotency keys sent to the payment provider are
-- derived from (payment/domain/IdempotencyKeys). It is made once, when this database is first
-- migrated, so a promoted standby and a restored backup carry it (they are the same lineage and
-- must send the same keys for the same attempts), while a database migrated afresh for another
-- deployment draws its own. gen_random_uuid() takes pg_strong_random: two of them give 244 random
-- bits. Never rotate it: a rotated secret is a new key for an attempt already sent.
create table lineage (
    id         int         primary key default 1 check (id = 1),
    secret     text        not null,
    created_at timestamptz not null default now()
);

insert into lineage (secret)
values (replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));
