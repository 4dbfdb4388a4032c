package dev.charon.db;

/** Infrastructure failure talking to PostgreSQL, with what Charon was doing when it happened. */
public class DatabaseException extends RuntimeException {
  public DatabaseException(String message, Throwable cause) {
    super(message, cause);
  }
}
