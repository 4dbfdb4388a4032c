package dev.charon.domain;

/**
 * A service refused a request for a business reason (unknown id, a state that does not allow it, an
 * invalid value, a system not idle yet). Nothing was changed; the routes answer it as problem+json
 * through {@code ApiError.of(Refused)}.
 */
public final class Refused extends RuntimeException {
  public enum Kind {
    NOT_FOUND,
    CONFLICT,
    INVALID,
    NOT_IDLE
  }

  private final Kind kind;
  private final String field;

  public Refused(Kind kind, String message) {
    this(kind, null, message);
  }

  public Refused(Kind kind, String field, String message) {
    super(message, null, false, false);
    this.kind = kind;
    this.field = field;
  }

  public Kind kind() {
    return kind;
  }

  /** The request field at fault, when one is. */
  public String field() {
    return field;
  }
}
