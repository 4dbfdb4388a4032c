-- The cursor row, locked for the page's transaction: two passes (two servers) never adopt from
-- the same position at once, and the second finds the position moved and stops.
select position from ledger_cursor where provider = :provider for update
