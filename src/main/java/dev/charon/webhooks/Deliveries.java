package dev.charon.webhooks;

import dev.charon.events.EventFeed;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * The delivery table: fan-out from the event outbox, claiming due deliveries under a lease,
 * recording each attempt, and what operators list and retry. Cluster-safe: fan-out locks the
 * endpoints it serves and claims skip rows another server holds.
 */
public final class Deliveries {
  static final int FAN_OUT_BATCH = 500;
  static final String COLUMNS =
      """
      id, endpoint_id, event_id::text as event_id, event_type, state, attempts, next_attempt_at, last_status,
      last_latency_ms, last_error, last_attempt_at, created_at, delivered_at""";

  private Deliveries() {}

  /**
   * Copies the events each enabled endpoint subscribes to, past its position, into deliveries due
   * at {@code now}, and moves the position; endpoints another server is fanning out are skipped.
   * Returns the number of events read (a full batch means more are waiting).
   */
  static int fanOut(Handle h, Instant now) {
    var endpoints =
        h.createQuery(
                "select id from webhook_endpoint where enabled order by id for update skip locked")
            .mapTo(Long.class)
            .list();
    int read = 0;
    for (long endpoint : endpoints) {
      read =
          Math.max(
              read,
              h.createQuery(
                      """
              with endpoint as (select event_types, cursor_xid, cursor_id from webhook_endpoint where id = :endpoint),
              batch as (
                  select o.xid, o.id, o.event_id, o.type from event_outbox o, endpoint e
                  where (o.xid, o.id) > (e.cursor_xid, e.cursor_id) and o.%s
                  order by o.xid, o.id limit :batch),
              added as (
                  insert into webhook_delivery (endpoint_id, event_outbox_id, event_id, event_type, next_attempt_at, created_at)
                  select :endpoint, b.id, b.event_id, b.type, :now, :now from batch b, endpoint e
                  where cardinality(e.event_types) = 0 or b.type = any(e.event_types)
                  on conflict do nothing),
              last as (select xid, id from batch order by xid desc, id desc limit 1),
              moved as (
                  update webhook_endpoint w set cursor_xid = last.xid, cursor_id = last.id from last where w.id = :endpoint)
              select count(*) from batch
              """
                          .formatted(EventFeed.VISIBLE))
                  .bind("endpoint", endpoint)
                  .bind("batch", FAN_OUT_BATCH)
                  .bind("now", Timestamp.from(now))
                  .mapTo(Integer.class)
                  .one());
    }
    return read;
  }

  /** A claimed attempt: everything needed to send it without another query. */
  record Claim(
      long id,
      long endpointId,
      String url,
      byte[] secret,
      byte[] previousSecret,
      Instant previousExpires,
      int attemptNo,
      String eventId,
      String type,
      String subject,
      Instant occurredAt,
      String data) {}

  /**
   * Leases due deliveries of enabled endpoints, at most {@code perEndpoint} in flight per endpoint
   * across the cluster, and counts the attempt before it is made.
   */
  static List<Claim> claim(Handle h, String owner, Instant now, Duration lease, int perEndpoint) {
    return h.createQuery(
            """
            with due as (
                select d.id from webhook_endpoint e
                cross join lateral (
                    select d.id from webhook_delivery d
                    where d.endpoint_id = e.id and d.state = 'PENDING' and d.next_attempt_at <= :now
                      and (d.lease_until is null or d.lease_until <= :now)
                    order by d.next_attempt_at, d.id
                    limit greatest(0, :per - (select count(*) from webhook_delivery f
                                              where f.endpoint_id = e.id and f.state = 'PENDING' and f.lease_until > :now))
                    for update of d skip locked) d
                where e.enabled),
            claimed as (
                update webhook_delivery d set lease_owner = :owner, lease_until = :until, attempts = d.attempts + 1
                from due where d.id = due.id
                returning d.id, d.endpoint_id, d.event_outbox_id, d.attempts)
            select c.id, c.endpoint_id, e.url, e.secret, e.previous_secret, e.previous_secret_expires_at, c.attempts,
                   o.event_id::text as event_id, o.type, o.subject, o.occurred_at, o.data::text as data
            from claimed c join webhook_endpoint e on e.id = c.endpoint_id join event_outbox o on o.id = c.event_outbox_id
            """)
        .bind("now", Timestamp.from(now))
        .bind("until", Timestamp.from(now.plus(lease)))
        .bind("owner", owner)
        .bind("per", perEndpoint)
        .map(
            (rs, ctx) ->
                new Claim(
                    rs.getLong("id"),
                    rs.getLong("endpoint_id"),
                    rs.getString("url"),
                    rs.getBytes("secret"),
                    rs.getBytes("previous_secret"),
                    Endpoints.instant(rs, "previous_secret_expires_at"),
                    rs.getInt("attempts"),
                    rs.getString("event_id"),
                    rs.getString("type"),
                    rs.getString("subject"),
                    Endpoints.instant(rs, "occurred_at"),
                    rs.getString("data")))
        .list();
  }

  /**
   * Records an attempt's result if this deliverer still holds the lease for that attempt (false:
   * the lease ran out and another deliverer took the delivery over; the attempt is still kept in
   * the history).
   */
  static boolean record(
      Handle h,
      Claim claim,
      String owner,
      Instant started,
      AttemptResult result,
      Optional<Instant> next) {
    String state =
        switch (result) {
          case AttemptResult.Delivered d -> "DELIVERED";
          case AttemptResult.Gone g -> "PENDING";
          case AttemptResult.Failed f -> next.isPresent() ? "PENDING" : "FAILED";
        };
    String outcome =
        switch (result) {
          case AttemptResult.Delivered d -> "DELIVERED";
          case AttemptResult.Gone g -> "GONE";
          case AttemptResult.Failed f -> next.isPresent() ? "RETRYING" : "FAILED";
        };
    h.createUpdate(
            """
            insert into webhook_attempt (delivery_id, attempt_no, started_at, outcome, status_code, latency_ms, error, deliverer)
            values (:id, :attempt, :started, :outcome, :status, :latency, :error, :owner)""")
        .bind("id", claim.id())
        .bind("attempt", claim.attemptNo())
        .bind("started", Timestamp.from(started))
        .bind("outcome", outcome)
        .bind("status", result.status())
        .bind("latency", result.latencyMs())
        .bind("error", result.error())
        .bind("owner", owner)
        .execute();
    return h.createUpdate(
                """
            update webhook_delivery set state = :state, next_attempt_at = :next, lease_owner = null, lease_until = null,
                   last_status = :status, last_latency_ms = :latency, last_error = :error, last_attempt_at = :started,
                   delivered_at = case when :state = 'DELIVERED' then cast(:started as timestamptz) else delivered_at end
            where id = :id and lease_owner = :owner and attempts = :attempt""")
            .bind("state", state)
            .bind("next", state.equals("PENDING") ? Timestamp.from(next.orElse(started)) : null)
            .bind("status", result.status())
            .bind("latency", result.latencyMs())
            .bind("error", result.error())
            .bind("started", Timestamp.from(started))
            .bind("id", claim.id())
            .bind("owner", owner)
            .bind("attempt", claim.attemptNo())
            .execute()
        == 1;
  }

  public static List<Delivery> list(
      Handle h, long endpointId, Optional<String> state, long before, int limit) {
    return h.createQuery(
            "select "
                + COLUMNS
                + """
             from webhook_delivery
            where endpoint_id = :endpoint and id < :before and (cast(:state as text) is null or state = :state)
            order by id desc limit :limit""")
        .bind("endpoint", endpointId)
        .bind("before", before)
        .bind("state", state.orElse(null))
        .bind("limit", limit)
        .map((rs, ctx) -> read(rs))
        .list();
  }

  public static Optional<Delivery> find(Handle h, long endpointId, long id) {
    return h.createQuery(
            "select "
                + COLUMNS
                + " from webhook_delivery where endpoint_id = :endpoint and id = :id")
        .bind("endpoint", endpointId)
        .bind("id", id)
        .map((rs, ctx) -> read(rs))
        .findOne();
  }

  /** Recent failed attempts across endpoints, newest first: what the console shows. */
  public static List<Failure> recentFailures(Handle h, int limit) {
    return h.createQuery(
            """
            select a.delivery_id, d.endpoint_id, d.event_id::text as event_id, d.event_type, d.state, a.attempt_no, a.outcome,
                   a.status_code, a.latency_ms, a.error, a.started_at, d.next_attempt_at
            from webhook_attempt a join webhook_delivery d on d.id = a.delivery_id
            where a.outcome <> 'DELIVERED' order by a.id desc limit :limit""")
        .bind("limit", limit)
        .map(
            (rs, ctx) ->
                new Failure(
                    rs.getLong("delivery_id"),
                    rs.getLong("endpoint_id"),
                    rs.getString("event_id"),
                    rs.getString("event_type"),
                    rs.getString("state"),
                    rs.getInt("attempt_no"),
                    rs.getString("outcome"),
                    (Integer) rs.getObject("status_code"),
                    rs.getInt("latency_ms"),
                    rs.getString("error"),
                    Endpoints.instant(rs, "started_at"),
                    Endpoints.instant(rs, "next_attempt_at")))
        .list();
  }

  /** Every attempt of a delivery, oldest first. */
  public static List<Attempt> attempts(Handle h, long deliveryId) {
    return h.createQuery(
            """
            select attempt_no, started_at, outcome, status_code, latency_ms, error, deliverer
            from webhook_attempt where delivery_id = :id order by id""")
        .bind("id", deliveryId)
        .map(
            (rs, ctx) ->
                new Attempt(
                    rs.getInt("attempt_no"),
                    Endpoints.instant(rs, "started_at"),
                    rs.getString("outcome"),
                    (Integer) rs.getObject("status_code"),
                    rs.getInt("latency_ms"),
                    rs.getString("error"),
                    rs.getString("deliverer")))
        .list();
  }

  /**
   * Makes a delivery due now, whatever its state (a delivered one is sent again: a replay). A
   * failed delivery gets one more attempt. False while an attempt is in flight.
   */
  public static Optional<Boolean> retry(
      Handle h, long endpointId, long id, Instant now, int lastAttempt) {
    var found =
        h.createQuery(
                "select lease_until from webhook_delivery where endpoint_id = :endpoint and id = :id for update")
            .bind("endpoint", endpointId)
            .bind("id", id)
            .map((rs, ctx) -> Optional.ofNullable(Endpoints.instant(rs, "lease_until")))
            .findOne();
    if (found.isEmpty()) {
      return Optional.empty();
    }
    if (found.get().filter(until -> until.isAfter(now)).isPresent()) {
      return Optional.of(false);
    }
    h.createUpdate(
            """
            update webhook_delivery set state = 'PENDING', next_attempt_at = :now, lease_owner = null, lease_until = null,
                   attempts = least(attempts, :last)
            where id = :id""")
        .bind("now", Timestamp.from(now))
        .bind("last", lastAttempt - 1)
        .bind("id", id)
        .execute();
    return Optional.of(true);
  }

  /**
   * Seconds since the oldest undelivered event of each endpoint happened (endpoints with none are
   * absent).
   */
  static Map<Long, Double> oldestUndeliveredAge(Handle h, Instant now) {
    var ages = new java.util.HashMap<Long, Double>();
    h.createQuery(
            """
            select d.endpoint_id, extract(epoch from cast(:now as timestamptz) - min(o.occurred_at)) as age
            from webhook_delivery d join event_outbox o on o.id = d.event_outbox_id
            where d.state = 'PENDING' group by d.endpoint_id""")
        .bind("now", Timestamp.from(now))
        .map((rs, ctx) -> Map.entry(rs.getLong(1), rs.getDouble(2)))
        .forEach(e -> ages.put(e.getKey(), Math.max(0, e.getValue())));
    return ages;
  }

  static Delivery read(ResultSet rs) throws SQLException {
    return new Delivery(
        rs.getLong("id"),
        rs.getLong("endpoint_id"),
        rs.getString("event_id"),
        rs.getString("event_type"),
        rs.getString("state"),
        rs.getInt("attempts"),
        Endpoints.instant(rs, "next_attempt_at"),
        (Integer) rs.getObject("last_status"),
        (Integer) rs.getObject("last_latency_ms"),
        rs.getString("last_error"),
        Endpoints.instant(rs, "last_attempt_at"),
        Endpoints.instant(rs, "created_at"),
        Endpoints.instant(rs, "delivered_at"));
  }
}
