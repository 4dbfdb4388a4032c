package dev.charon.events;

import dev.charon.api.ApiError;
import dev.charon.api.Cursor;
import dev.charon.api.HttpApi;
import dev.charon.api.Problem;
import dev.charon.api.Query;
import dev.charon.api.Responses;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.Set;

/**
 * {@code GET /rest/v1/events?after=<cursor>&limit=n}: the CloudEvents of every invoice and run
 * state change, in commit-safe order: an event appears only once no transaction that could still
 * commit an earlier one is running, so a consumer following the cursor never skips a late commit.
 * Without {@code after} the feed starts at the beginning; each page names the cursor of the next in
 * {@code X-Next-Cursor} and a {@code Link} header. Id-only cursors issued before V10 still work
 * (from them, an event may come twice; the CloudEvent id is the deduplication key).
 */
public final class EventRoutes implements HttpApi.Module {
  static final int MAX_LIMIT = 1000;

  private final EventFeed feed;

  public EventRoutes(EventFeed feed) {
    this.feed = feed;
  }

  /** A cursor of this feed, or an id-only one issued before positions were commit-safe. */
  private EventPosition position(String raw) {
    var position = EventPosition.fromCursor(raw);
    if (position.isPresent()) {
      return position.get();
    }
    try {
      return feed.fromLegacyId(Cursor.decode(raw));
    } catch (ApiError e) {
      throw ApiError.invalid(
          List.of(
              new Problem.FieldError("after", "'" + raw + "' is not a cursor this feed issued")));
    }
  }

  @Override
  public void routes(RoutesConfig routes) {
    routes.get("/rest/v1/events", this::list);
  }

  private void list(Context ctx) {
    var query = Query.of(ctx, Set.of("after", "limit"));
    int limit = query.limit(100, MAX_LIMIT);
    query.validate();
    var raw = ctx.queryParam("after");
    var after = raw == null ? EventPosition.START : position(raw);
    var events = feed.after(after, limit);
    // A feed always has a next cursor: the position of its last event (or the same one when empty).
    var cursor = (events.isEmpty() ? after : events.getLast().position()).cursor();
    ctx.header(Responses.NEXT_CURSOR_HEADER, cursor);
    ctx.header(
        "Link", "<" + ctx.path() + "?after=" + cursor + "&limit=" + limit + ">; rel=\"next\"");
    ctx.json(events.stream().map(EventFeed.Positioned::event).toList());
  }
}
