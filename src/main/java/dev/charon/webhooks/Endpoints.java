package dev.charon.webhooks;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** The endpoint table: registration, changes and secrets (sealed by a {@link SecretBox}). */
public final class Endpoints {
  static final String COLUMNS =
      """
      id, url, description, event_types, enabled, disabled_reason, previous_secret_expires_at,
      created_by, created_at, updated_at""";

  private Endpoints() {}

  /** A new endpoint; it receives the events that become visible from now on. */
  public static Endpoint create(
      Handle h,
      String url,
      String description,
      List<String> types,
      byte[] sealedSecret,
      String actor,
      Instant now) {
    return h.createQuery(
            """
            insert into webhook_endpoint (url, description, event_types, secret, cursor_xid, cursor_id,
                                          created_by, created_at, updated_at)
            values (:url, :description, :types, :secret, pg_snapshot_xmin(pg_current_snapshot()), 0, :actor, :now, :now)
            returning\s"""
                + COLUMNS)
        .bind("url", url)
        .bind("description", description)
        .bind("types", types.toArray(String[]::new))
        .bind("secret", sealedSecret)
        .bind("actor", actor)
        .bind("now", Timestamp.from(now))
        .map((rs, ctx) -> read(rs))
        .one();
  }

  public static List<Endpoint> list(Handle h) {
    return h.createQuery("select " + COLUMNS + " from webhook_endpoint order by id")
        .map((rs, ctx) -> read(rs))
        .list();
  }

  public static Optional<Endpoint> find(Handle h, long id) {
    return h.createQuery("select " + COLUMNS + " from webhook_endpoint where id = :id")
        .bind("id", id)
        .map((rs, ctx) -> read(rs))
        .findOne();
  }

  /** Changes what was given (null: unchanged). */
  public static Optional<Endpoint> update(
      Handle h, long id, String url, String description, List<String> types, Instant now) {
    return h.createQuery(
            """
            update webhook_endpoint set url = coalesce(:url, url), description = coalesce(:description, description),
                   event_types = coalesce(:types, event_types), updated_at = :now
            where id = :id returning\s"""
                + COLUMNS)
        .bind("id", id)
        .bind("url", url)
        .bind("description", description)
        .bind("types", types == null ? null : types.toArray(String[]::new))
        .bind("now", Timestamp.from(now))
        .map((rs, ctx) -> read(rs))
        .findOne();
  }

  /** Disables (with a reason) or enables; a re-enabled endpoint gets what happened meanwhile. */
  public static Optional<Endpoint> setEnabled(
      Handle h, long id, boolean enabled, String reason, Instant now) {
    return h.createQuery(
            """
            update webhook_endpoint set enabled = :enabled, disabled_reason = :reason, updated_at = :now
            where id = :id returning\s"""
                + COLUMNS)
        .bind("id", id)
        .bind("enabled", enabled)
        .bind("reason", enabled ? null : reason)
        .bind("now", Timestamp.from(now))
        .map((rs, ctx) -> read(rs))
        .findOne();
  }

  /** A new secret; the current one keeps signing alongside it until {@code now + overlap}. */
  public static Optional<Endpoint> rotate(
      Handle h, long id, byte[] sealedSecret, Duration overlap, Instant now) {
    return h.createQuery(
            """
            update webhook_endpoint
               set previous_secret = case when :overlap > 0 then secret end,
                   previous_secret_expires_at = case when :overlap > 0 then cast(:expires as timestamptz) end,
                   secret = :secret, updated_at = :now
            where id = :id returning\s"""
                + COLUMNS)
        .bind("id", id)
        .bind("overlap", overlap.toSeconds())
        .bind("expires", Timestamp.from(now.plus(overlap)))
        .bind("secret", sealedSecret)
        .bind("now", Timestamp.from(now))
        .map((rs, ctx) -> read(rs))
        .findOne();
  }

  public static boolean delete(Handle h, long id) {
    return h.createUpdate("delete from webhook_endpoint where id = :id").bind("id", id).execute()
        == 1;
  }

  static Endpoint read(ResultSet rs) throws SQLException {
    return new Endpoint(
        rs.getLong("id"),
        rs.getString("url"),
        rs.getString("description"),
        strings(rs.getArray("event_types")),
        rs.getBoolean("enabled"),
        rs.getString("disabled_reason"),
        instant(rs, "previous_secret_expires_at"),
        rs.getString("created_by"),
        instant(rs, "created_at"),
        instant(rs, "updated_at"));
  }

  static List<String> strings(Array array) throws SQLException {
    return array == null ? List.of() : Arrays.asList((String[]) array.getArray());
  }

  static Instant instant(ResultSet rs, String column) throws SQLException {
    var value = rs.getTimestamp(column);
    return value == null ? null : value.toInstant();
  }
}
