package dev.charon.api;

import io.javalin.config.RoutesConfig;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * {@code GET /openapi.json}: the hand-written OpenAPI 3.1 description of the API, served as it is
 * in the jar. OpenApiConformanceTest keeps it true: every route documented, every documented answer
 * checked against the running API.
 */
public final class OpenApiRoutes implements HttpApi.Module {
  public static final String PATH = "/openapi.json";
  static final String RESOURCE = "/openapi.json";

  private final byte[] document;

  public OpenApiRoutes() {
    this.document = load();
  }

  /** The document's bytes, read from the classpath. */
  public static byte[] load() {
    try (var in = OpenApiRoutes.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the jar has no " + RESOURCE);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  @Override
  public void routes(RoutesConfig routes) {
    routes.get(PATH, ctx -> ctx.contentType("application/json").result(document));
  }
}
