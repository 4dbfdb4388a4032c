-- The invoice's money and status in the same statement; the transitions' from-states guard it.
-- A DISPUTED invoice takes a refund the provider made before the dispute opened (its event or
-- list entry arriving after the dispute's, as a provider's events may): the money is recorded and
-- the status stays DISPUTED, so a won dispute returns the invoice to PARTIALLY_REFUNDED. Charon
-- itself requests no refund of a disputed invoice (Refundable).
update invoice i
set refunded_minor = i.refunded_minor + :amount,
    status = case when i.status = ${status.DISPUTED} then i.status
                  when i.refunded_minor + :amount = i.amount_minor - i.credited_minor
                  then ${REFUND_WHOLLY.to} else ${REFUND_PARTLY.to} end,
    status_reason = :reason, status_actor = :actor
where i.id = :invoice and (i.status in (${REFUND_PARTLY.from}) or i.status = ${status.DISPUTED})
returning i.status, i.refunded_minor
