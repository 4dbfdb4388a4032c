package dev.charon.app;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a role started, in start order; {@link #close} stops it in reverse, so nothing is stopped
 * while a part started after it still uses it (the API before the worker, the worker before the
 * database). A part that fails to stop is logged and the rest are still stopped.
 */
public final class Started implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Started.class);

  private final String role;
  private final Deque<Part> parts = new ArrayDeque<>();

  private record Part(String name, AutoCloseable stop) {}

  public Started(String role) {
    this.role = role;
  }

  /** Adds {@code part}, stopped by its own {@code close}; returns it. */
  public synchronized <T extends AutoCloseable> T add(String name, T part) {
    parts.push(new Part(name, part));
    return part;
  }

  /** Adds a part that stops by {@code stop}. */
  public synchronized void onStop(String name, AutoCloseable stop) {
    parts.push(new Part(name, stop));
  }

  /** Stops every part, last started first; a second call does nothing. */
  @Override
  public synchronized void close() {
    while (!parts.isEmpty()) {
      var part = parts.pop();
      try {
        part.stop().close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        log.warn("{}: interrupted while stopping {}", role, part.name());
      } catch (Exception e) {
        log.warn("{}: stopping {} failed", role, part.name(), e);
      }
    }
  }
}
