package dev.charon.clock;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The clock of a test-clock deployment: the {@code test_clock} row's instant, which the SQL's
 * {@code charon_now()} reads too, so the server, every worker and every statement agree on "now".
 * Without a row it is the system clock. The row is read at most once per {@code ttl}: a process
 * sees an advance within that time (the advancing process itself at once, {@link #invalidate}).
 */
public final class DatabaseClock extends Clock {
  private final Jdbi jdbi;
  private final Clock system;
  private final Duration ttl;
  private volatile Cached cached;

  private record Cached(Optional<Instant> frozen, long readAtNanos) {}

  public DatabaseClock(Jdbi jdbi, Clock system, Duration ttl) {
    this.jdbi = jdbi;
    this.system = system;
    this.ttl = ttl;
  }

  @Override
  public Instant instant() {
    return frozen().orElseGet(system::instant);
  }

  /** The test clock's instant, empty while none is set. */
  public Optional<Instant> frozen() {
    var c = cached;
    long now = System.nanoTime();
    if (c == null || now - c.readAtNanos() >= ttl.toNanos()) {
      c = new Cached(read(jdbi), now);
      cached = c;
    }
    return c.frozen();
  }

  /** Forgets the cached instant: the next read goes to the database. */
  public void invalidate() {
    cached = null;
  }

  static Optional<Instant> read(Jdbi jdbi) {
    return jdbi.withHandle(
        h -> h.createQuery("select now from test_clock where id").mapTo(Instant.class).findOne());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return Clock.fixed(
        instant(), zone); // callers only format "now" in a zone; time does not run on
  }
}
