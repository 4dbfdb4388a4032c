package dev.charon.auth;

import dev.charon.api.ApiError;
import dev.charon.api.HttpApi;
import dev.charon.api.Query;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Set;

/**
 * {@code GET /rest/v1/me}: the key a request was sent with, so a client (the console) can show who
 * is signed in and offer operator actions only to operators, without probing a write.
 */
public final class WhoAmIRoutes implements HttpApi.Module {

  /** The caller's key: its name, role and public prefix; never the secret. */
  record Me(String name, String role, String prefix, String actor) {}

  @Override
  public void routes(RoutesConfig routes) {
    routes.get("/rest/v1/me", this::me);
  }

  private void me(Context ctx) {
    Query.of(ctx, Set.of()).validate();
    // Only an open-path setting that covers /rest/v1/me leaves a request here without a key.
    var key =
        ApiKeyAccess.keyOf(ctx)
            .orElseThrow(() -> ApiError.unauthorized("Send an API key to see whose it is"));
    ctx.json(new Me(key.name(), key.role().label(), key.prefix(), key.actor()));
  }
}
