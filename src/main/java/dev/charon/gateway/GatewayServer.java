package dev.charon.gateway;

import dev.charon.api.JavalinSetup;
import dev.charon.api.Json;
import dev.charon.payment.fake.FaultProfile;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Objects;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code charon gateway}: a fake payment provider over HTTP with idempotency keys, a durable ledger
 * and fault knobs. Plain constructors: the CLI and tests start it the same way.
 */
public final class GatewayServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);

  /**
   * How to start: where to listen, where the journal lives, how to misbehave, where to send signed
   * events (none: only the ledgers tell), and how many money calls a second to let through (none:
   * no limit).
   */
  public record Options(
      String host,
      int port,
      Path journal,
      boolean reset,
      FaultProfile faults,
      java.util.Optional<SignedEvents.Target> events,
      OptionalInt rateLimit) {
    public Options {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(journal, "journal");
      Objects.requireNonNull(faults, "faults");
      Objects.requireNonNull(events, "events");
      Objects.requireNonNull(rateLimit, "rateLimit");
    }

    public Options(
        String host,
        int port,
        Path journal,
        boolean reset,
        FaultProfile faults,
        java.util.Optional<SignedEvents.Target> events) {
      this(host, port, journal, reset, faults, events, OptionalInt.empty());
    }

    public Options(String host, int port, Path journal, boolean reset, FaultProfile faults) {
      this(host, port, journal, reset, faults, java.util.Optional.empty());
    }
  }

  private final Javalin app;
  private final Journal journal;
  private final ChargeHandler charges;

  private final SignedEvents events;

  private GatewayServer(Javalin app, Journal journal, ChargeHandler charges, SignedEvents events) {
    this.events = events;
    this.app = app;
    this.journal = journal;
    this.charges = charges;
  }

  public static GatewayServer start(Options options, Clock clock) {
    var json = Json.mapper();
    var book = new ChargeBook();
    var refunds = new RefundBook();
    Journal journal;
    try {
      journal =
          Journal.open(
              options.journal(), options.reset(), json, entry -> apply(book, refunds, entry));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot open the gateway journal " + options.journal() + ": " + e.getMessage(), e);
    }
    // The one admission check of money calls (charges and refunds, on either path): the rate limit.
    var rate = new CallRate(options.rateLimit());
    MoneyCallGate gate = rate;
    var charges = new ChargeHandler(book, journal, json, clock, options.faults(), gate);
    var chargePath = new ChargePath(charges, json);
    // Signed with real time whatever clock the gateway runs on: receivers check it against theirs.
    var events = new SignedEvents(options.events(), json, Clock.systemUTC());
    try {
      var app =
          JavalinSetup.create(
              json,
              ctx -> error(ctx, 500, "internal_error", "the gateway failed; it is logged"),
              config -> {
                // POST /charges is served in front of Javalin (ChargePath); Javalin gets the rest.
                config.jetty.modifyServer(server -> server.setHandler(chargePath));
                config.routes.exception(
                    GatewayError.class,
                    (e, ctx) -> {
                      e.headers().forEach(ctx::header);
                      error(ctx, e.status(), e.code(), e.getMessage());
                    });
                config.routes.post("/charges", charges::handle);
                config.routes.post(
                    "/refunds",
                    new RefundHandler(refunds, charges, journal, json, clock, events)::handle);
                new ReadRoutes(book, refunds, journal, charges::processing).register(config.routes);
                new AdminRoutes(charges, rate, json).register(config.routes);
                new DisputeRoutes(refunds, charges, journal, json, clock, events)
                    .register(config.routes);
              });
      app.start(options.host(), options.port());
      return new GatewayServer(app, journal, charges, events);
    } catch (RuntimeException e) {
      closeQuietly(journal);
      throw e;
    }
  }

  /** Hands a durable journal entry to the book that keeps its kind. */
  private static void apply(ChargeBook book, RefundBook refunds, JournalEntry entry) {
    switch (entry) {
      case StoredResult charge -> {
        book.apply(charge);
        if (charge.charged()) {
          refunds.charged(charge);
        }
      }
      case RefundResult refund -> refunds.apply(refund);
      case DisputeChange dispute -> refunds.apply(dispute);
    }
  }

  static void error(Context ctx, int status, String code, String message) {
    var body = new LinkedHashMap<String, Object>();
    body.put("outcome", "error");
    body.put("code", code);
    body.put("message", message);
    ctx.status(status).json(body);
  }

  public int port() {
    return app.port();
  }

  public String url() {
    return "http://localhost:" + port();
  }

  public Path journalPath() {
    return journal.path();
  }

  /** Results read back from the journal at start. */
  public long replayed() {
    return journal.replayed();
  }

  /** Stops taking requests, then lets the journal write what it was given. */
  @Override
  public void close() {
    app.stop();
    events.close();
    closeQuietly(journal);
  }

  private static void closeQuietly(Journal journal) {
    try {
      journal.close();
    } catch (IOException e) {
      log.warn("closing the journal {} failed", journal.path(), e);
    }
  }
}
