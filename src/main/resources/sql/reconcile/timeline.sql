-- The timeline of the WAL this server writes now (V85).
select charon_timeline()
