package dev.charon.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Reads the event outbox in commit-safe order: the feed for consumers without a broker, and the
 * source the relay and webhook fan-out read. Only events whose transaction is below the oldest one
 * still running are visible (V10), so a late commit never lands behind a reader's position.
 */
public final class EventFeed {
  /** An event with its position in the outbox. */
  public record Positioned(EventPosition position, CloudEvent event) {}

  /** The rows a reader may see: every transaction that could still add an earlier one has ended. */
  public static final String VISIBLE = "xid < pg_snapshot_xmin(pg_current_snapshot())";

  static final String COLUMNS =
      "xid::text as xid, id, event_id, type, subject, occurred_at, data::text as data";

  private final Jdbi jdbi;
  private final ObjectMapper json;

  public EventFeed(Jdbi jdbi, ObjectMapper json) {
    this.jdbi = jdbi;
    this.json = json;
  }

  public List<Positioned> after(EventPosition position, int limit) {
    return jdbi.withHandle(h -> after(h, position, limit));
  }

  List<Positioned> after(Handle h, EventPosition position, int limit) {
    return h.createQuery(
            """
            select %s from event_outbox
            where (xid, id) > (cast(:xid as xid8), :id) and %s
            order by xid, id limit :limit
            """
                .formatted(COLUMNS, VISIBLE))
        .bind("xid", Long.toString(position.xid()))
        .bind("id", position.id())
        .bind("limit", limit)
        .map((rs, ctx) -> read(rs))
        .list();
  }

  /**
   * The position that serves an id-only cursor issued before V10 ({@code after:N}): every event
   * with an id above N is after it (some at or below N may come again; consumers dedupe on id).
   */
  public EventPosition fromLegacyId(long afterId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select coalesce((select min(xid) from event_outbox where id > :id and "
                        + VISIBLE
                        + "),"
                        + " pg_snapshot_xmin(pg_current_snapshot()))::text")
                .bind("id", afterId)
                .mapTo(String.class)
                .findOne()
                .map(xid -> new EventPosition(Long.parseLong(xid), 0))
                .orElseThrow());
  }

  /**
   * The relay's batch: up to {@code n} visible unpublished events in relay order, locked in the
   * caller's transaction (rows another relay holds are skipped, not waited for).
   */
  public List<Positioned> lockUnpublished(Handle h, int n) {
    return h.createQuery(
            """
            select %s from event_outbox
            where published_at is null and %s
            order by xid, id limit :n for update skip locked
            """
                .formatted(COLUMNS, VISIBLE))
        .bind("n", n)
        .map((rs, ctx) -> read(rs))
        .list();
  }

  /** Marks exactly these events published; returns how many rows it marked. */
  public static int markPublished(Handle h, Long[] ids) {
    return h.createUpdate(
            "update event_outbox set published_at = charon_now() where id = any(:ids)")
        .bind("ids", ids)
        .execute();
  }

  /** Seconds since the first event in relay order that is not yet published occurred; 0 if none. */
  public static double oldestUnpublishedAge(Handle h) {
    return h.createQuery(
            """
            select coalesce((select extract(epoch from charon_now() - occurred_at) from event_outbox
                             where published_at is null order by xid, id limit 1), 0)
            """)
        .mapTo(Double.class)
        .one();
  }

  Positioned read(ResultSet rs) throws SQLException {
    var position = new EventPosition(Long.parseLong(rs.getString("xid")), rs.getLong("id"));
    try {
      return new Positioned(
          position,
          CloudEvent.of(
              rs.getString("event_id"),
              rs.getString("type"),
              rs.getString("subject"),
              rs.getTimestamp("occurred_at").toInstant(),
              json.readTree(rs.getString("data"))));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("event " + position.id() + " has unreadable data", e);
    }
  }
}
