package dev.charon.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.config.StaticFilesConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server every API role shares: {@link JavalinSetup}'s Javalin, one error mapping
 * (problem+json). Resources plug in as {@link Module}s and only declare routes.
 */
public final class HttpApi implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);

  /** A resource's routes. Handlers parse input with {@link Query}, fail with {@link ApiError}. */
  public interface Module {
    void routes(RoutesConfig routes);

    /** Static files this module serves (the console); most modules serve none. */
    default void staticFiles(StaticFilesConfig files) {}
  }

  private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE");

  private final Javalin app;
  private final List<String> routes;

  private HttpApi(Javalin app, List<String> routes) {
    this.app = app;
    this.routes = List.copyOf(routes);
  }

  /** Request bodies above this size are refused with 413 before any handler reads them. */
  public static final long MAX_BODY_BYTES = JavalinSetup.MAX_BODY_BYTES;

  /** Serves {@code modules}; {@code access} decides about every request before its handler. */
  public static HttpApi start(
      String host, int port, ObjectMapper json, Access access, List<Module> modules) {
    var problems = new ProblemMapper(json);
    var routes = new ArrayList<String>();
    var app =
        JavalinSetup.create(
            json,
            problems::internalError,
            config -> {
              config.http.prefer405over404 = true;
              var jettyErrors = new ProblemErrorHandler(json);
              config.jetty.modifyServer(server -> server.setErrorHandler(jettyErrors));
              config.jetty.modifyServletContextHandler(
                  context -> context.setErrorHandler(jettyErrors));
              config.events.handlerAdded(
                  handler -> {
                    if (METHODS.contains(handler.getHttpMethod().name())) {
                      routes.add(handler.getHttpMethod().name() + " " + handler.getPath());
                    }
                  });
              config.requestLogger.http(
                  (ctx, ms) ->
                      log.debug(
                          "{} {} -> {} in {} ms",
                          ctx.method(),
                          ctx.path(),
                          ctx.status().getCode(),
                          ms));
              problems.register(config.routes);
              config.routes.before(access::authenticate);
              config.routes.beforeMatched(access::authorize);
              // The original answered the JSON string "ok"; Jackson's mapper in Javalin writes
              // Strings raw.
              config.routes.get(
                  "/rest/health", ctx -> ctx.contentType("application/json").result("\"ok\""));
              modules.forEach(module -> module.routes(config.routes));
              modules.forEach(module -> module.staticFiles(config.staticFiles));
            });
    app.start(host, port);
    return new HttpApi(app, routes);
  }

  /** Every route served, as {@code "METHOD /path/{param}"}, in the order they were added. */
  public List<String> routes() {
    return routes;
  }

  public int port() {
    return app.port();
  }

  @Override
  public void close() {
    app.stop();
  }
}
