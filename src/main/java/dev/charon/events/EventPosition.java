package dev.charon.events;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Where an event sits in the commit-safe order: the id of the transaction that wrote it, then its
 * row id. Readers only ever see rows whose transaction is below the oldest one still running, so no
 * event can appear behind a position a reader has passed (see docs/architecture.md).
 */
public record EventPosition(long xid, long id) implements Comparable<EventPosition> {
  /** Before every event. */
  public static final EventPosition START = new EventPosition(0, 0);

  private static final String PREFIX = "pos:";

  public EventPosition {
    if (xid < 0 || id < 0) {
      throw new IllegalArgumentException("an event position is never negative: " + xid + "/" + id);
    }
  }

  @Override
  public int compareTo(EventPosition other) {
    int byXid = Long.compare(xid, other.xid);
    return byXid != 0 ? byXid : Long.compare(id, other.id);
  }

  /** The opaque cursor the feed hands out. */
  public String cursor() {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((PREFIX + xid + "." + id).getBytes(StandardCharsets.UTF_8));
  }

  /** A cursor this feed issued, or empty when it is not one (it may be an older id-only cursor). */
  public static Optional<EventPosition> fromCursor(String cursor) {
    try {
      var text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      if (text.startsWith(PREFIX)) {
        var parts = text.substring(PREFIX.length()).split("\\.", -1);
        if (parts.length == 2) {
          return Optional.of(new EventPosition(Long.parseLong(parts[0]), Long.parseLong(parts[1])));
        }
      }
    } catch (IllegalArgumentException e) {
      // not one of ours (NumberFormatException is an IllegalArgumentException)
    }
    return Optional.empty();
  }
}
