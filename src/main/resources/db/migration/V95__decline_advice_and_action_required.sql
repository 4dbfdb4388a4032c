-- Issue 28. What a provider says about a decline beyond its code, kept with the attempt that got
-- it (charging/ChargeStore.settle writes them with the outcome, in the same update): the card's
-- network as Stripe names it (card.brand), Stripe's advice_code, the network's advice code
-- (Mastercard's merchant advice code: 03 and 21 forbid any retry) and the network's raw decline
-- code (Visa's response code). The card network rules (charging/domain/NetworkRetryRules) read
-- them before any retry; the API's attempt view and the console show them. A declined
-- PaymentIntent's id goes to the attempt's provider_reference, as a charge's does.
alter table charge_attempt
    add column card_brand text check (length(card_brand) between 1 and 40),
    add column advice_code text check (length(advice_code) between 1 and 100),
    add column network_advice_code text check (length(network_advice_code) between 1 and 20),
    add column network_decline_code text check (length(network_decline_code) between 1 and 20);

-- What an invoice event carries beyond the invoice row. invoice.action_required: the decline that
-- stopped it and, when the provider left a payment waiting for the customer (a PaymentIntent that
-- requires_action after authentication_required), its id, so a customer-facing app can let the
-- customer authenticate. Never the client secret: that is fetched from Stripe on demand through
-- the operator-scoped GET /rest/v1/invoices/{id}/payment-intent (invoice/PaymentIntentSecrets).
-- Its own function so that a later event field changes it alone, not invoice_events_on_update.
create function invoice_event_extras(invoice_id bigint, status text) returns jsonb
language sql stable as $$
    select case when status = 'ACTION_REQUIRED' then coalesce(
        (select jsonb_strip_nulls(jsonb_build_object(
                    'declineCode', a.decline_code,
                    'paymentIntentId', case when a.provider_reference like 'pi\_%' then a.provider_reference end))
         from (select outcome, decline_code, provider_reference from charge_attempt
               where charge_attempt.invoice_id = invoice_event_extras.invoice_id
               order by attempt_no desc limit 1) a
         where a.outcome = 'DECLINED'),
        '{}'::jsonb)
    else '{}'::jsonb end
$$;

-- As V70's, with the extras appended (a status change to ACTION_REQUIRED only).
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
           || case when t.type = 'invoice.action_required' then invoice_event_extras(n.id, n.status)
                   else '{}'::jsonb end
    from new_rows n join old_rows o on o.id = n.id
    cross join lateral (select case
        when n.refunded_minor > o.refunded_minor then 'invoice.refunded'
        when o.status is distinct from n.status then invoice_event_type(n.status)
        end as type) t
    where t.type is not null
    order by n.id;
    return null;
end $$;
