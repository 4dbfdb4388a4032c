-- Records the timeline as checked: after the adoption that a move needed, workers open attempts
-- again (charon_lineage_current()).
insert into lineage_marker (id, timeline, checked_at) values (1, :timeline, now())
on conflict (id) do update set timeline = excluded.timeline, checked_at = excluded.checked_at
