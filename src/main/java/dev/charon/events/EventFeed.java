package dev.charon.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/** Reads the event outbox in order: the feed for consumers without a broker. */
public final class EventFeed {
  /** An event with its position in the outbox. */
  public record Positioned(long position, CloudEvent event) {}

  private final Jdbi jdbi;
  private final ObjectMapper json;

  public EventFeed(Jdbi jdbi, ObjectMapper json) {
    this.jdbi = jdbi;
    this.json = json;
  }

  public List<Positioned> after(long position, int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select id, event_id, type, subject, occurred_at, data::text as data
                    from event_outbox where id > :after order by id limit :limit
                    """)
                .bind("after", position)
                .bind("limit", limit)
                .map(
                    (rs, ctx) -> {
                      try {
                        return new Positioned(
                            rs.getLong("id"),
                            CloudEvent.of(
                                rs.getString("event_id"), rs.getString("type"), rs.getString("subject"),
                                rs.getTimestamp("occurred_at").toInstant(), json.readTree(rs.getString("data"))));
                      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        throw new UncheckedIOException("event " + rs.getLong("id") + " has unreadable data", e);
                      }
                    })
                .list());
  }
}
