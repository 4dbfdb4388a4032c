package dev.charon.api;

import io.javalin.http.Context;

/**
 * Who sent a request, as established by {@link Access}: the API key's id (the scope of its
 * idempotency keys) and the actor name written into history entries and run records.
 */
public record Caller(long keyId, String actor) {
  private static final String ATTRIBUTE = "charon.caller";

  public void attachTo(Context ctx) {
    ctx.attribute(ATTRIBUTE, this);
  }

  /** The caller of a request that passed {@link Access}; only open paths have none. */
  public static Caller of(Context ctx) {
    Caller caller = ctx.attribute(ATTRIBUTE);
    if (caller == null) {
      throw new IllegalStateException(
          "no authenticated caller on " + ctx.method() + " " + ctx.path());
    }
    return caller;
  }
}
