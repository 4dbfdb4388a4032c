-- Whether the database is on the timeline the server last checked (V85): false after a promotion
-- or a point-in-time restore, until the server has adopted the provider's charges since the point
-- the database returned to. No attempt is opened meanwhile (ChargeStore.open).
select charon_lineage_current()
