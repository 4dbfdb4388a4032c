-- The invoice's money and status in the same statement; the transitions' from-states guard it.
update invoice i
set refunded_minor = i.refunded_minor + :amount,
    status = case when i.refunded_minor + :amount = i.amount_minor - i.credited_minor
                  then ${REFUND_WHOLLY.to} else ${REFUND_PARTLY.to} end,
    status_reason = :reason, status_actor = :actor
where i.id = :invoice and i.status in (${REFUND_PARTLY.from})
returning i.status, i.refunded_minor
