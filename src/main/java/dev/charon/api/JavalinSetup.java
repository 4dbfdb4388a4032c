package dev.charon.api;

import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.json.JavalinJackson;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Javalin setup every Charon HTTP server shares (the REST API and ops endpoints through {@link
 * HttpApi}, and the gateway), so that they cannot drift: handlers on virtual threads, one body
 * limit, the caller's JSON mapper, and any unhandled exception logged with its stack trace and
 * answered with an opaque 500 in the server's own error format.
 */
public final class JavalinSetup {
  private static final Logger log = LoggerFactory.getLogger(JavalinSetup.class);

  /** Request bodies above this size are refused with 413 before any handler reads them. */
  public static final long MAX_BODY_BYTES = 64 * 1024;

  private JavalinSetup() {}

  /**
   * A server with the shared settings, then {@code routes} (the server's own settings, handlers and
   * error mappings). {@code internalError} writes the 500 for an unhandled exception.
   */
  public static Javalin create(
      ObjectMapper json, Consumer<Context> internalError, Consumer<JavalinConfig> routes) {
    // Jackson's default buffer pool is per thread; with a virtual thread per request it never
    // reuses.
    json.getFactory().setRecyclerPool(JsonRecyclerPools.newConcurrentDequePool());
    return Javalin.create(
        config -> {
          config.concurrency.useVirtualThreads = true;
          config.startup.showJavalinBanner = false;
          config.startup.showOldJavalinVersionWarning = false;
          config.http.maxRequestSize = MAX_BODY_BYTES;
          config.jsonMapper(new JavalinJackson(json, true));
          // Javalin picks the handler of the closest exception type: servers map their own first.
          config.routes.exception(
              Exception.class,
              (e, ctx) -> {
                log.error("unhandled error on {} {}", ctx.method(), ctx.path(), e);
                internalError.accept(ctx);
              });
          routes.accept(config);
        });
  }
}
