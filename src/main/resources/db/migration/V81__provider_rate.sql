-- The provider rate limit every worker shares (issue 25, CHARON_PROVIDER_RATE_LIMIT). One row per
-- provider: the rate all workers together may call it at now (calls per second), what they last
-- were told to stay under, and the next instant a permit is free. A worker reserves a few permits
-- at a time (at most 100 ms of the rate) with one UPDATE ... RETURNING on this row; a worker that
-- dies holding some simply never uses them: a reservation is a time slot, and a slot that passed
-- is gone. A 429 moves next_free forward (every worker pauses) and lowers the rate; each grant
-- lets it climb back (ratelimit/ProviderRateTable; the reasoning is in docs/architecture.md).
create table provider_rate (
    name         text             primary key,
    limit_per_s  double precision not null check (limit_per_s > 0),
    rate         double precision not null check (rate > 0),
    -- The rate the provider last refused (429), while the rate climbs back below it; null when the
    -- rate has climbed well past it (the provider's limit rose) or nothing was ever refused.
    ceiling      double precision check (ceiling > 0),
    next_free    timestamptz      not null,
    -- Where the climb resumes from: the last grant, or the end of a Retry-After pause.
    grown_at     timestamptz      not null,
    -- Bumped by each back-off, so a burst of 429s answered to calls granted at one rate lowers it
    -- once, not once per call.
    epoch        bigint           not null default 0,
    throttled_at timestamptz
);
