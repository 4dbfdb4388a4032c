-- Reporting for money going back (issue 24): net collected per month and currency, and the credit
-- notes. Same rules as V4: views owned by the migrating role, read by charon_reporting only
-- through them, amounts never summed across currencies.

-- Per UTC month and currency: what was collected at the provider (invoices paid in that month, the
-- part the credit balance paid left out), what refunds gave back (settled that month), what lost
-- disputes took (closed that month), and the net.
create view reporting.net_collected_by_month with (security_barrier) as
with moves as (
    select i.paid_at as at, i.currency, i.amount_minor - i.credited_minor as collected, 0::bigint as refunded, 0::bigint as lost
    from invoice i
    where i.status in ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED', 'DISPUTED') and i.amount_minor > i.credited_minor
    union all
    select r.settled_at, r.currency, 0, r.amount_minor, 0 from refund r where r.status = 'SUCCEEDED'
    union all
    select d.closed_at, d.currency, 0, 0, d.amount_minor from dispute d where d.status = 'LOST')
select to_char(m.at at time zone 'UTC', 'YYYY-MM')                  as period,
       date_trunc('month', m.at at time zone 'UTC')::date            as month_start,
       m.currency::text                                              as currency,
       sum(m.collected)::bigint                                      as collected_minor,
       sum(m.refunded)::bigint                                       as refunded_minor,
       sum(m.lost)::bigint                                           as disputes_lost_minor,
       sum(m.collected - m.refunded - m.lost)::bigint                as net_minor,
       round(sum(m.collected - m.refunded - m.lost) / 10::numeric ^ c.minor_unit, c.minor_unit) as net
from moves m
join currency c on c.code = m.currency
group by 1, 2, 3, c.minor_unit;

comment on view reporting.net_collected_by_month is
    'Per UTC month and currency: collected at the provider (paid_at; the part paid by credit balance excluded), refunded (refunds settled that month), lost to disputes (closed that month), and the net.';
comment on column reporting.net_collected_by_month.period is 'UTC month of the money''s move, YYYY-MM.';
comment on column reporting.net_collected_by_month.month_start is 'First day of that month, for time-series charts.';
comment on column reporting.net_collected_by_month.currency is 'ISO 4217 code. Amounts are never summed across currencies.';
comment on column reporting.net_collected_by_month.collected_minor is 'Charged at the provider for invoices paid that month (amount less the part the credit balance paid), minor units.';
comment on column reporting.net_collected_by_month.refunded_minor is 'Refunds settled that month (Charon''s and the provider''s own), minor units.';
comment on column reporting.net_collected_by_month.disputes_lost_minor is 'Disputes lost that month, minor units.';
comment on column reporting.net_collected_by_month.net_minor is 'collected - refunded - disputes lost, minor units.';
comment on column reporting.net_collected_by_month.net is 'The net as a decimal with the currency''s scale.';

-- Every credit note: the numbered documents accounting asks for.
create view reporting.credit_notes with (security_barrier) as
select n.number, n.kind, n.invoice_id, n.refund_id, n.customer_id, n.currency::text as currency,
       n.amount_minor,
       round(n.amount_minor / 10::numeric ^ c.minor_unit, c.minor_unit) as amount,
       n.reason, n.actor, n.issued_at
from credit_note n
join currency c on c.code = n.currency;

comment on view reporting.credit_notes is
    'Credit notes, numbered CN-<year>-<nnnnnn> without gaps: REFUND (money back through the provider) or CREDIT (to the customer''s credit balance).';

comment on column reporting.credit_notes.number is 'CN-<year>-<nnnnnn>, gapless per year.';
comment on column reporting.credit_notes.kind is 'REFUND or CREDIT.';
comment on column reporting.credit_notes.invoice_id is 'The invoice it corrects.';
comment on column reporting.credit_notes.refund_id is 'The refund, for a REFUND note; null for a CREDIT.';
comment on column reporting.credit_notes.customer_id is 'The invoice''s customer.';
comment on column reporting.credit_notes.currency is 'ISO 4217 code.';
comment on column reporting.credit_notes.amount_minor is 'Amount in minor units.';
comment on column reporting.credit_notes.amount is 'The same amount as a decimal.';
comment on column reporting.credit_notes.reason is 'Why, as given by the operator or the provider.';
comment on column reporting.credit_notes.actor is 'Who: an API key (api-key:<name>) or provider.';
comment on column reporting.credit_notes.issued_at is 'When it was issued.';

grant select on reporting.net_collected_by_month, reporting.credit_notes to charon_reporting;
