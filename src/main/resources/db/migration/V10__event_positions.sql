-- Issue 14: a feed position that a late commit can never fall behind. Ids come from a sequence at
-- insert time, so a transaction holding id N can commit after N+1.. were relayed and paged past.
-- Each event now carries the id of the transaction that wrote it; the relay, the feed and webhook
-- fan-out read only rows whose xid is below the oldest still-running transaction
-- (pg_snapshot_xmin(pg_current_snapshot())), in (xid, id) order. Every transaction below that
-- bound has ended, and any transaction that can still write an event has an xid at or above it,
-- so nothing can ever appear behind a position a reader has passed. See docs/architecture.md.
-- Existing rows all take this migration's xid: their order among themselves stays by id.

alter table event_outbox add column xid xid8 not null default pg_current_xact_id();

drop index event_outbox_unpublished_idx;
create index event_outbox_position_idx on event_outbox (xid, id);
create index event_outbox_unpublished_position_idx on event_outbox (xid, id) where published_at is null;
