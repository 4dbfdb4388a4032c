package dev.charon.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.List;
import java.util.Map;

/**
 * The one place where failures become HTTP responses. Client errors say what was wrong; server
 * errors are logged with their stack trace and answered with an opaque 500.
 */
final class ProblemMapper {
  private static final Map<Integer, String> TITLES =
      Map.of(
          400, "Bad request",
          401, "Unauthorized",
          403, "Forbidden",
          404, "Not found",
          405, "Method not allowed",
          413, "Content too large",
          415, "Unsupported media type",
          500, "Internal server error",
          503, "Service unavailable");

  private final ObjectMapper json;

  ProblemMapper(ObjectMapper json) {
    this.json = json;
  }

  void register(RoutesConfig routes) {
    routes.exception(
        ApiError.class,
        (e, ctx) -> {
          if (e.status() == 401) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"charon\"");
          }
          write(ctx, e.status(), e.title(), e.getMessage(), e.errors());
        });
    routes.exception(
        HttpResponseException.class,
        (e, ctx) -> write(ctx, e.getStatus(), title(e.getStatus()), detail(e, ctx), List.of()));
    // Statuses set without an exception (Javalin's own 404/405 for unmatched routes land here).
    for (int status : List.of(404, 405, 413)) {
      routes.error(
          status,
          "*",
          ctx -> {
            if (!Problem.CONTENT_TYPE.equals(ctx.res().getContentType())) {
              write(ctx, status, title(status), defaultDetail(status, ctx), List.of());
            }
          });
    }
  }

  /** The answer to an unhandled exception, which {@link JavalinSetup} has logged. */
  void internalError(Context ctx) {
    write(
        ctx, 500, title(500), "The server failed to handle the request; it is logged.", List.of());
  }

  private static String detail(HttpResponseException e, Context ctx) {
    return switch (e.getStatus()) {
      case 404, 405, 413 -> defaultDetail(e.getStatus(), ctx);
      default -> e.getMessage();
    };
  }

  private static String defaultDetail(int status, Context ctx) {
    return switch (status) {
      case 404 -> "No resource at " + ctx.path();
      case 405 -> ctx.method() + " is not allowed on " + ctx.path();
      case 413 -> "The request body is larger than the server accepts";
      default -> title(status);
    };
  }

  private static String title(int status) {
    return TITLES.getOrDefault(status, "HTTP " + status);
  }

  private void write(
      Context ctx, int status, String title, String detail, List<Problem.FieldError> errors) {
    var problem = new Problem("about:blank", title, status, detail, ctx.path(), errors);
    try {
      ctx.status(status).contentType(Problem.CONTENT_TYPE).result(json.writeValueAsString(problem));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("problem details must serialize", e);
    }
  }
}
