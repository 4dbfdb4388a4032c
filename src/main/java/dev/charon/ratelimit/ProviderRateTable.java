package dev.charon.ratelimit;

import java.time.Duration;
import org.jdbi.v3.core.Jdbi;

/**
 * The {@code provider_rate} row (V81): grants of permits and back-offs, each one statement on the
 * row, timed by the database's clock so the workers' clocks never need to agree. Wall time on
 * purpose ({@code clock_timestamp()}, not Charon's test clock): the provider counts calls in real
 * seconds.
 */
final class ProviderRateTable {
  /** A worker reserves at most this much of the shared rate ahead of time. */
  static final Duration HORIZON = Duration.ofMillis(100);

  /** The share of the limit a new row starts at. */
  static final double START = 0.1;

  /** Back-off factor on a 429: the rate falls to this share of the rate the provider refused. */
  static final double DECREASE = 0.7;

  // The climb, per second since grown_at (at most 0.5 s per grant, so an idle spell is no leap):
  //  - no ceiling known: +10% of the limit per second (0.7 to 1.0 of the limit in 3 s);
  //  - below 95% of the refused rate: back to it in 2 s (the provider just took that rate);
  //  - from 95% to 100% of it: slowly, 1/600 of it per second (30 s), a plateau near the limit;
  //  - past it: the excess grows by itself each second (exponentially), so a limit that was lifted
  //    is found in seconds; at 1.5 times the refused rate the ceiling is forgotten.
  // Only while the workers use the whole rate (the next free slot is not behind now): a rate nobody
  // uses proves nothing about the provider, and climbing on it would let a burst through later
  // (as TCP validates its window, RFC 7661).
  private static final String GRANT =
      """
      with cur as (
          select r.*, clock_timestamp() as t
          from provider_rate r
          where r.name = :name
          for update
      ), grown as (
          select c.name, c.t, c.next_free, c.grown_at, c.ceiling, c.epoch,
              least(:limit, greatest(:floor,
                  case
                      when c.ceiling is null then c.rate + 0.1 * :limit * c.dt
                      when c.rate < 0.95 * c.ceiling
                          then least(0.95 * c.ceiling, c.rate + 0.125 * c.ceiling * c.dt)
                      when c.rate < c.ceiling then c.rate + c.ceiling / 600 * c.dt
                      else c.rate + (c.ceiling / 600 + (c.rate - c.ceiling)) * c.dt
                  end)) as rate
          from (
              select cur.*,
                  case
                      when cur.next_free < cur.t - :horizonMs * interval '1 millisecond' then 0
                      else least(0.5, greatest(0, extract(epoch from cur.t - cur.grown_at)::float8))
                  end as dt
              from cur
          ) c
      ), granted as (
          select g.*, greatest(g.t, g.next_free) as start,
              case
                  when greatest(g.t, g.next_free) <= g.t + :horizonMs * interval '1 millisecond'
                  then least(:want, greatest(1, floor(g.rate * :horizonMs / 1000.0)))::int
                  else 0
              end as n
          from grown g
      )
      update provider_rate r set
          rate = x.rate,
          limit_per_s = :limit,
          ceiling = case when x.rate > 1.5 * x.ceiling then null else x.ceiling end,
          grown_at = greatest(x.grown_at, x.t),
          next_free = x.start + (x.n / x.rate) * interval '1 second'
      from granted x
      where r.name = x.name
      returning x.n as granted,
          extract(epoch from x.start - x.t)::float8 * 1000 as start_ms,
          x.rate, r.ceiling, x.epoch
      """;

  private static final String THROTTLED =
      """
      with cur as (
          select r.*, clock_timestamp() as t
          from provider_rate r
          where r.name = :name
          for update
      )
      update provider_rate r set
          epoch = case when c.epoch = :epoch then c.epoch + 1 else c.epoch end,
          ceiling = case when c.epoch = :epoch then x.ceiling else c.ceiling end,
          rate = case
              when c.epoch = :epoch then greatest(:floor, :decrease * x.ceiling)
              else c.rate
          end,
          next_free = greatest(c.next_free, c.t + :pauseMs * interval '1 millisecond'),
          grown_at = greatest(c.grown_at, c.t + :pauseMs * interval '1 millisecond'),
          throttled_at = c.t
      from cur c,
          -- Refused while probing above the ceiling: the limit did not rise, the ceiling stands
          -- (a provider's bucket lets a probe run past its limit for a moment before it refuses).
          lateral (
              select case when c.ceiling < :rate then c.ceiling else :rate end as ceiling
          ) x
      where r.name = c.name
      returning c.epoch = :epoch as decreased, r.rate
      """;

  private final Jdbi jdbi;
  private final String name;
  private final double limit;
  private final double floor;

  ProviderRateTable(Jdbi jdbi, String name, double limit) {
    this.jdbi = jdbi;
    this.name = name;
    this.limit = limit;
    this.floor = Math.min(limit, 1.0);
  }

  /**
   * Creates the row on first use, starting at the full limit (a 429 will say if it is too much).
   */
  void ensure() {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    """
                    insert into provider_rate (name, limit_per_s, rate, next_free, grown_at)
                    values (:name, :limit, :start, clock_timestamp(), clock_timestamp())
                    on conflict (name) do nothing
                    """)
                .bind("name", name)
                .bind("limit", limit)
                .bind("start", Math.max(floor, START * limit))
                .execute());
  }

  /**
   * Up to {@code want} permits, the first usable {@code startMs} from now and one every {@code
   * 1/rate} seconds after it; none when the next free slot lies beyond the horizon, {@code startMs}
   * then says how long until it does not.
   */
  record Grant(int granted, double startMs, double rate, Double ceiling, long epoch) {
    long waitMs() {
      return Math.max(1, (long) Math.ceil(startMs - HORIZON.toMillis()));
    }
  }

  Grant grant(int want) {
    return jdbi.withHandle(
        h ->
            h.createQuery(GRANT)
                .bind("name", name)
                .bind("limit", limit)
                .bind("floor", floor)
                .bind("want", want)
                .bind("horizonMs", (double) HORIZON.toMillis())
                .map(
                    (rs, ctx) -> {
                      double ceiling = rs.getDouble("ceiling");
                      boolean noCeiling = rs.wasNull();
                      return new Grant(
                          rs.getInt("granted"),
                          rs.getDouble("start_ms"),
                          rs.getDouble("rate"),
                          noCeiling ? null : ceiling,
                          rs.getLong("epoch"));
                    })
                .one());
  }

  /** What a 429 did: whether it lowered the rate (the first for its epoch) and the rate now. */
  record BackOff(boolean decreased, double rate) {}

  BackOff throttled(long epoch, double grantedRate, Duration pause) {
    return jdbi.withHandle(
        h ->
            h.createQuery(THROTTLED)
                .bind("name", name)
                .bind("epoch", epoch)
                .bind("rate", grantedRate)
                .bind("floor", floor)
                .bind("decrease", DECREASE)
                .bind("pauseMs", (double) pause.toMillis())
                .map((rs, ctx) -> new BackOff(rs.getBoolean("decreased"), rs.getDouble("rate")))
                .one());
  }
}
