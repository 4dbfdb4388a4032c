-- One clock for the JVM and the SQL (issue 15). charon_now() is the database's time unless a test
-- clock is set, in which case it is the test clock's frozen instant; the JVM's DatabaseClock
-- reads the same row. Only a deployment started with CHARON_TEST_CLOCK=true writes the row; any
-- other refuses to start while it exists.
create table test_clock (
    id          boolean     primary key default true check (id),
    now         timestamptz not null,
    created_at  timestamptz not null default now(),
    advanced_at timestamptz not null default now()
);

create function charon_now() returns timestamptz language sql stable as $$
    select coalesce((select t.now from test_clock t where t.id), now())
$$;

-- Record and queue times read the same clock as the code that decides.
alter table customer alter column created_at set default charon_now();
alter table customer alter column updated_at set default charon_now();
alter table invoice alter column created_at set default charon_now();
alter table invoice alter column updated_at set default charon_now();
alter table invoice_history alter column at set default charon_now();
alter table billing_run alter column updated_at set default charon_now();
alter table charge_request alter column created_at set default charon_now();
alter table charge_request alter column available_at set default charon_now();
alter table charge_attempt alter column created_at set default charon_now();
alter table event_outbox alter column occurred_at set default charon_now();
alter table subscription alter column updated_at set default charon_now();

create or replace function touch_row() returns trigger language plpgsql as $$
begin
    new.updated_at := charon_now();
    return new;
end $$;

create or replace function invoice_before_write() returns trigger language plpgsql as $$
declare
    customer_currency char(3);
begin
    if tg_op = 'UPDATE' then
        new.updated_at := charon_now();
        new.version := old.version + 1;
        new.created_at := old.created_at;
    end if;
    if tg_op = 'INSERT' or new.currency is distinct from old.currency
       or new.customer_id is distinct from old.customer_id then
        select c.currency into customer_currency from customer c where c.id = new.customer_id;
        if customer_currency is not null and customer_currency <> new.currency
           and not new.currency_mismatch_allowed then
            raise exception 'invoice currency % differs from customer % currency %',
                new.currency, new.customer_id, customer_currency
                using errcode = 'check_violation', constraint = 'invoice_currency_matches_customer';
        end if;
    end if;
    return new;
end $$;
