-- The customer's id at the payment provider (issue 18): for Stripe, the customer whose default card
-- is charged (cus_...). Null: not mapped; the Stripe adapter answers CustomerNotFound without a call.
-- Printable ASCII without spaces, as provider ids are, so a pasted value with a stray space or line
-- break is refused instead of failing at charge time.
alter table customer
    add column provider_reference text
        check (provider_reference ~ '^[\x21-\x7e]{1,255}$');

comment on column customer.provider_reference is
    'The customer''s id at the payment provider (Stripe: cus_...); null when not mapped.';
