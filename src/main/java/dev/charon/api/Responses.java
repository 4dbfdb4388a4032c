package dev.charon.api;

import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;

/** How list responses look everywhere: a JSON array, the next page in a Link header. */
public final class Responses {
  public static final String NEXT_CURSOR_HEADER = "X-Next-Cursor";

  private Responses() {}

  public static void page(Context ctx, Page<?> page) {
    page.nextAfter()
        .ifPresent(
            after -> {
              var cursor = Cursor.encode(after);
              ctx.header(NEXT_CURSOR_HEADER, cursor);
              ctx.header("Link", "<" + nextUrl(ctx, cursor) + ">; rel=\"next\"");
            });
    ctx.json(page.items());
  }

  private static String nextUrl(Context ctx, String cursor) {
    var query =
        ctx.queryParamMap().entrySet().stream()
            .filter(e -> !e.getKey().equals("cursor"))
            .flatMap(e -> e.getValue().stream().map(v -> encode(e.getKey()) + "=" + encode(v)))
            .collect(Collectors.joining("&"));
    return ctx.path() + "?" + (query.isEmpty() ? "" : query + "&") + "cursor=" + cursor;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
