-- The timeline this lineage was last known on (V85), locked so that two servers do not both adopt
-- for one move.
select timeline from lineage_marker where id = 1 for update
