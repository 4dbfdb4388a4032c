package dev.charon.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.json.JavalinJackson;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server every API role shares: Javalin on virtual threads, one JSON mapper, one error
 * mapping. Resources plug in as {@link Module}s and only declare routes.
 */
public final class HttpApi implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);

  /** A resource's routes. Handlers parse input with {@link Query}, fail with {@link ApiError}. */
  public interface Module {
    void routes(RoutesConfig routes);
  }

  private final Javalin app;

  private HttpApi(Javalin app) {
    this.app = app;
  }

  public static HttpApi start(String host, int port, ObjectMapper json, List<Module> modules) {
    var problems = new ProblemMapper(json);
    var app =
        Javalin.create(
            config -> {
              config.concurrency.useVirtualThreads = true;
              config.startup.showJavalinBanner = false;
              config.startup.showOldJavalinVersionWarning = false;
              config.http.prefer405over404 = true;
              config.http.maxRequestSize = 1_000_000;
              config.jsonMapper(new JavalinJackson(json, true));
              config.requestLogger.http(
                  (ctx, ms) ->
                      log.debug("{} {} -> {} in {} ms", ctx.method(), ctx.path(), ctx.status().getCode(), ms));
              problems.register(config.routes);
              // The original answered the JSON string "ok"; Jackson's mapper in Javalin writes Strings raw.
              config.routes.get("/rest/health", ctx -> ctx.contentType("application/json").result("\"ok\""));
              modules.forEach(module -> module.routes(config.routes));
            });
    app.start(host, port);
    return new HttpApi(app);
  }

  public int port() {
    return app.port();
  }

  @Override
  public void close() {
    app.stop();
  }
}
