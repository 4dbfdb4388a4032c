package dev.charon.auth;

import dev.charon.config.ConfigException;
import dev.charon.config.Env;
import java.util.Arrays;
import java.util.List;

/**
 * Which paths need no API key for reading (a write always needs an operator key): {@code
 * CHARON_AUTH_OPEN_PATHS}, comma-separated, each an exact path or a prefix ending in {@code *}. The
 * default keeps probes, scraping, the API description and the console's static files open (the
 * console itself calls the API with the user's key); nothing under {@code /rest/v1} is open.
 */
public record AuthSettings(List<String> openPaths) {
  public static final String DEFAULT_OPEN_PATHS =
      "/rest/health,/health/*,/metrics,/openapi.json,/,/docs,/console/*,/webjars/*";

  /**
   * The one deliberate exception to API keys: the provider's events ({@code POST} only) are
   * authenticated by their {@code Stripe-Signature} instead (provider/ProviderEventRoutes), since
   * Stripe and the gateway cannot send Charon's keys. Not configurable: a signed path that is not
   * verified would be an open write.
   */
  public static final List<String> SIGNED_PATHS =
      List.of("/rest/v1/provider-events/stripe", "/rest/v1/provider-events/gateway");

  /** A request that its handler authenticates by signature, not by an API key. */
  public static boolean isSigned(String method, String path) {
    return "POST".equalsIgnoreCase(method) && SIGNED_PATHS.contains(path);
  }

  public AuthSettings {
    openPaths = List.copyOf(openPaths);
    for (var path : openPaths) {
      if (!path.startsWith("/")
          || path.indexOf('*') >= 0 && path.indexOf('*') != path.length() - 1) {
        throw new ConfigException(
            "CHARON_AUTH_OPEN_PATHS: '" + path + "' must start with / and may only end in *");
      }
    }
  }

  public static AuthSettings from(Env env) {
    var raw = env.string("CHARON_AUTH_OPEN_PATHS", DEFAULT_OPEN_PATHS);
    return new AuthSettings(
        Arrays.stream(raw.split(",")).map(String::trim).filter(p -> !p.isEmpty()).toList());
  }

  public boolean isOpen(String path) {
    for (var open : openPaths) {
      if (open.endsWith("*")
          ? path.startsWith(open.substring(0, open.length() - 1))
          : path.equals(open)) {
        return true;
      }
    }
    return false;
  }
}
