package dev.charon.clock;

import dev.charon.api.ApiError;
import dev.charon.api.HttpApi;
import dev.charon.api.JsonBody;
import dev.charon.api.Query;
import dev.charon.domain.Refused;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /rest/v1/test-clock}: read the clock; freeze it ({@code {"at": "..."}}, optional); and
 * {@code /advance} it ({@code {"to": "..."}}), forward only. Served by every deployment so the
 * contract is one; without {@code CHARON_TEST_CLOCK=true} the writes answer 409 and the read says
 * the clock is not enabled.
 */
public final class TestClockRoutes implements HttpApi.Module {
  private static final Logger log = LoggerFactory.getLogger(TestClockRoutes.class);

  private final Optional<TestClock> testClock;
  private final Clock clock;

  public TestClockRoutes(Optional<TestClock> testClock, Clock clock) {
    this.testClock = testClock;
    this.clock = clock;
  }

  @Override
  public void routes(RoutesConfig routes) {
    routes.get("/rest/v1/test-clock", this::get);
    routes.post("/rest/v1/test-clock", this::freeze);
    routes.post("/rest/v1/test-clock/advance", this::advance);
  }

  private void get(Context ctx) {
    Query.of(ctx, Set.of()).validate();
    ctx.json(
        testClock
            .map(TestClock::state)
            .orElseGet(() -> new TestClock.State(false, false, clock.instant())));
  }

  private void freeze(Context ctx) {
    Query.of(ctx, Set.of()).validate();
    var body = JsonBody.of(ctx, Set.of("at"));
    var at = instant(body, "at", false);
    body.validate();
    try {
      ctx.json(enabled().freeze(at));
    } catch (Refused r) {
      throw ApiError.of(r);
    }
  }

  private void advance(Context ctx) {
    Query.of(ctx, Set.of()).validate();
    var body = JsonBody.of(ctx, Set.of("to"));
    var to = instant(body, "to", true);
    body.validate();
    TestClock.State state;
    try {
      state = enabled().advance(to.orElseThrow());
    } catch (Refused r) {
      throw ApiError.of(r);
    }
    log.info("test clock advanced to {} by {}", state.now(), dev.charon.api.Caller.of(ctx).actor());
    ctx.json(state);
  }

  private TestClock enabled() {
    return testClock.orElseThrow(
        () ->
            ApiError.conflict(
                "This deployment has no test clock: start it with CHARON_TEST_CLOCK=true (never in production)"));
  }

  private static Optional<Instant> instant(JsonBody body, String name, boolean required) {
    return body.text(name, required, 40)
        .flatMap(
            text -> {
              try {
                return Optional.of(Instant.parse(text));
              } catch (DateTimeParseException e) {
                return body.fail(
                    name, "'" + text + "' is not an instant like 2027-01-01T00:00:00Z");
              }
            });
  }
}
