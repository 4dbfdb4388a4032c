package dev.charon.console;

import dev.charon.api.HttpApi;
import io.javalin.config.RoutesConfig;
import io.javalin.config.StaticFilesConfig;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The operator console: static pages from the jar ({@code /} and {@code /docs}), its ES modules and
 * CSS under {@code /console/}, and browser libraries from webjars under {@code /webjars/}. It holds
 * no data and no back door: the page talks to the public REST API with the user's API key, so these
 * paths are open (see {@code AuthSettings}) and everything under {@code /rest/v1} is not.
 */
public final class ConsoleRoutes implements HttpApi.Module {
  static final String ASSETS = "/console";

  private final String index = resource("index.html");
  private final String docs = resource("docs.html");
  private final String indexPolicy = ContentSecurityPolicy.forPage(index, false);
  // Swagger UI writes style attributes into the markup it renders; the console's own page does not.
  private final String docsPolicy = ContentSecurityPolicy.forPage(docs, true);

  @Override
  public void routes(RoutesConfig routes) {
    routes.get("/", ctx -> page(ctx, index, indexPolicy));
    routes.get("/docs", ctx -> page(ctx, docs, docsPolicy));
  }

  @Override
  public void staticFiles(StaticFilesConfig files) {
    files.add(
        config -> {
          config.hostedPath = ASSETS;
          config.directory = ASSETS;
          config.location = Location.CLASSPATH;
          // Modules are small and change with every release; revalidate instead of caching stale
          // code.
          config.headers =
              java.util.Map.of("Cache-Control", "no-cache", "X-Content-Type-Options", "nosniff");
        });
    files.enableWebjars();
  }

  private static void page(Context ctx, String html, String policy) {
    ctx.header("Content-Security-Policy", policy);
    ctx.header("X-Frame-Options", "DENY"); // frame-ancestors for browsers that predate CSP 2
    ctx.header("Cache-Control", "no-cache");
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("Referrer-Policy", "no-referrer"); // a sign-in link carries the key in its fragment
    ctx.html(html);
  }

  private static String resource(String name) {
    try (var in = ConsoleRoutes.class.getResourceAsStream(ASSETS + "/" + name)) {
      if (in == null) {
        throw new IllegalStateException("console resource " + name + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
