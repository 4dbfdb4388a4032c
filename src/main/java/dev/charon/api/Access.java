package dev.charon.api;

import io.javalin.http.Context;

/**
 * Who may do what, decided before any handler runs, in two steps: {@link #authenticate} runs for
 * every request (an unknown path without a key is 401, not 404) and attaches the {@link Caller};
 * {@link #authorize} runs only for requests that matched a route, so a known caller using a method
 * a path does not have gets 405 rather than 403.
 */
public interface Access {
  /** Attaches the caller, or throws {@link ApiError#unauthorized}; open paths pass without one. */
  void authenticate(Context ctx);

  /** Throws {@link ApiError#forbidden} when the caller's role does not allow this request. */
  void authorize(Context ctx);
}
