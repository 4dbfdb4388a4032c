package dev.charon.auth;

import dev.charon.api.Access;
import dev.charon.api.ApiError;
import dev.charon.api.Caller;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bearer API keys in front of every path that is not open: reads ({@code GET}, {@code HEAD}) need a
 * reader or operator key, everything else an operator key, except the provider's signed events
 * ({@link AuthSettings#SIGNED_PATHS}), which their handler authenticates by signature. Refusals are
 * counted by reason and logged with the key's prefix at most, never the secret.
 */
public final class ApiKeyAccess implements Access {
  private static final Logger log = LoggerFactory.getLogger(ApiKeyAccess.class);
  private static final String KEY = "charon.api-key";

  private final ApiKeys keys;
  private final AuthSettings settings;
  private final MeterRegistry metrics;

  public ApiKeyAccess(ApiKeys keys, AuthSettings settings, MeterRegistry metrics) {
    this.keys = keys;
    this.settings = settings;
    this.metrics = metrics;
  }

  @Override
  public void authenticate(Context ctx) {
    // Open paths are open for reading: a write always needs an operator key, so every write has
    // a caller to record (history actor, idempotency scope) whatever CHARON_AUTH_OPEN_PATHS says.
    if (settings.isOpen(ctx.path()) && requiredRole(ctx.method().name()) == Role.READER) {
      return;
    }
    // The provider's events: no key, the handler verifies the signature before anything is stored.
    if (AuthSettings.isSigned(ctx.method().name(), ctx.path())) {
      return;
    }
    var header = ctx.header("Authorization");
    if (header == null || header.isBlank()) {
      throw refuse(
          "missing", ApiError.unauthorized("Send an API key as 'Authorization: Bearer <key>'"));
    }
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw refuse(
          "malformed",
          ApiError.unauthorized("The Authorization header must use the Bearer scheme"));
    }
    var key =
        keys.authenticate(header.substring(7).trim())
            .orElseThrow(
                () ->
                    refuse("unknown", ApiError.unauthorized("The API key is unknown or revoked")));
    ctx.attribute(KEY, key);
    new Caller(key.id(), key.actor()).attachTo(ctx);
  }

  @Override
  public void authorize(Context ctx) {
    ApiKey key = ctx.attribute(KEY);
    if (key == null) {
      return; // an open path
    }
    var required = requiredRole(ctx.method().name());
    if (!key.role().allows(required)) {
      log.info(
          "API key {} ({}) refused {} {}: needs {}",
          key.name(),
          key.role().label(),
          ctx.method(),
          ctx.path(),
          required.label());
      throw refuse(
          "forbidden",
          ApiError.forbidden(
              "The API key '"
                  + key.name()
                  + "' has role "
                  + key.role().label()
                  + "; "
                  + ctx.method()
                  + " needs "
                  + required.label()));
    }
  }

  /** The key that authenticated this request; empty on open paths. */
  public static java.util.Optional<ApiKey> keyOf(Context ctx) {
    return java.util.Optional.ofNullable(ctx.attribute(KEY));
  }

  static Role requiredRole(String method) {
    return switch (method.toUpperCase(Locale.ROOT)) {
      case "GET", "HEAD", "OPTIONS" -> Role.READER;
      default -> Role.OPERATOR;
    };
  }

  private ApiError refuse(String reason, ApiError error) {
    Counter.builder("charon.api.auth.refused")
        .description("Requests refused by API key checks, by reason")
        .tag("reason", reason)
        .register(metrics)
        .increment();
    return error;
  }
}
