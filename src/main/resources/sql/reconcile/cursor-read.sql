-- Made at the provider's start on first use; an existing cursor is left as it is.
insert into ledger_cursor (provider, position) values (:provider, :start)
on conflict (provider) do nothing
