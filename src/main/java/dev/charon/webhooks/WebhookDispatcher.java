package dev.charon.webhooks;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.charon.api.Json;
import dev.charon.events.CloudEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers webhooks at least once from the event outbox, on every server at once: one loop fans new
 * events out to endpoints and leases due deliveries (SKIP LOCKED, at most a few per endpoint in
 * flight across the cluster); each attempt runs on its own virtual thread, so a slow or failing
 * endpoint never holds up the others. Attempts carry Standard Webhooks 1.0 headers; a lease longer
 * than the 15 s timeout means a deliverer that dies mid-call gives its delivery back to the cluster
 * after the lease, never two attempts at once.
 */
public final class WebhookDispatcher implements AutoCloseable {
  static final int MAX_PAYLOAD = 20 * 1024;
  private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);

  private final Jdbi jdbi;
  private final WebhookSettings settings;
  private final SecretBox box;
  private final UrlGuard guard;
  private final Clock clock;
  private final Clock wall;
  private final RandomGenerator random;
  private final ObjectMapper json;
  private final String owner;
  private final HttpClient http;
  private final MeterRegistry metrics;
  private final MultiGauge oldest;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Thread loop;
  private volatile boolean stopping;
  private Instant lastGauge = Instant.EPOCH;

  /**
   * {@code clock} decides deliveries: when they are due, when they go again, what the history says
   * (a test clock's time in a test-clock deployment). {@code wall} stamps the {@code
   * webhook-timestamp} header only: receivers check it against their own real clock to refuse
   * replays (5 minutes' tolerance), so it is real time even while a test clock runs months ahead.
   */
  public WebhookDispatcher(
      Jdbi jdbi,
      WebhookSettings settings,
      UrlGuard guard,
      Clock clock,
      Clock wall,
      RandomGenerator random,
      String owner,
      MeterRegistry metrics) {
    this.wall = wall;
    this.jdbi = jdbi;
    this.settings = settings;
    this.box =
        settings
            .box()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        WebhookSettings.KEY + " is needed to deliver webhooks"));
    this.guard = guard;
    this.clock = clock;
    this.random = random;
    this.json = Json.mapper();
    this.owner = owner;
    this.metrics = metrics;
    this.http =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(settings.timeout())
            .executor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor())
            .build();
    this.oldest =
        MultiGauge.builder("charon.webhooks.oldest.undelivered.age")
            .description(
                "Seconds since the oldest event still waiting for delivery to an endpoint happened")
            .baseUnit("seconds")
            .register(metrics);
    this.loop = Thread.ofPlatform().name("webhook-dispatcher").daemon(true).unstarted(this::run);
  }

  public WebhookDispatcher start() {
    loop.start();
    log.info(
        "webhook dispatcher {} delivering (up to {} in flight per endpoint)",
        owner,
        settings.endpointConcurrency());
    return this;
  }

  private void run() {
    while (!stopping) {
      try {
        boolean busy = tick();
        if (!busy) {
          Thread.sleep(settings.pollInterval().toMillis());
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        log.warn("webhook dispatch round failed; trying again shortly: {}", e.toString());
        try {
          Thread.sleep(1000);
        } catch (InterruptedException interrupted) {
          return;
        }
      }
    }
  }

  /** One round: fan out, claim, start attempts. True when there is probably more to do at once. */
  boolean tick() {
    var now = clock.instant();
    int read = jdbi.inTransaction(h -> Deliveries.fanOut(h, now));
    var claims =
        jdbi.inTransaction(
            h -> Deliveries.claim(h, owner, now, settings.lease(), settings.endpointConcurrency()));
    for (var claim : claims) {
      inFlight.incrementAndGet();
      Thread.ofVirtual()
          .name("webhook-" + claim.id())
          .start(
              () -> {
                try {
                  attempt(claim);
                } catch (RuntimeException e) {
                  // The lease runs out and another round (here or elsewhere) tries again.
                  log.warn(
                      "webhook delivery {} attempt {} could not be recorded: {}",
                      claim.id(),
                      claim.attemptNo(),
                      e.toString());
                } finally {
                  inFlight.decrementAndGet();
                }
              });
    }
    if (now.isAfter(lastGauge.plusSeconds(5))) {
      lastGauge = now;
      var ages = jdbi.withHandle(h -> Deliveries.oldestUndeliveredAge(h, now));
      var rows = new ArrayList<MultiGauge.Row<?>>();
      ages.forEach(
          (endpoint, age) ->
              rows.add(MultiGauge.Row.of(Tags.of("endpoint", Long.toString(endpoint)), age)));
      oldest.register(rows, true);
    }
    return read == Deliveries.FAN_OUT_BATCH;
  }

  void attempt(Deliveries.Claim claim) {
    var started = clock.instant();
    var result = send(claim, started);
    var next =
        result instanceof AttemptResult.Failed f
            ? RetrySchedule.next(
                settings.retryDelays(), claim.attemptNo(), clock.instant(), f.retryAfter(), random)
            : Optional.<Instant>empty();
    boolean current =
        jdbi.inTransaction(
            h -> {
              if (result instanceof AttemptResult.Gone) {
                Endpoints.setEnabled(
                    h,
                    claim.endpointId(),
                    false,
                    "the receiver answered 410 Gone to delivery " + claim.id(),
                    clock.instant());
              }
              return Deliveries.record(h, claim, owner, started, result, next);
            });
    String outcome =
        switch (result) {
          case AttemptResult.Delivered d -> "delivered";
          case AttemptResult.Gone g -> "gone";
          case AttemptResult.Failed f -> next.isPresent() ? "retrying" : "failed";
        };
    Counter.builder("charon.webhooks.deliveries")
        .description("Webhook delivery attempts by outcome and endpoint")
        .tag("outcome", outcome)
        .tag("endpoint", Long.toString(claim.endpointId()))
        .register(metrics)
        .increment();
    if (!current) {
      log.warn(
          "webhook delivery {} attempt {} finished after its lease ran out; another deliverer owns it now",
          claim.id(),
          claim.attemptNo());
    }
    if (!(result instanceof AttemptResult.Delivered)) {
      log.warn(
          "webhook delivery {} of event {} ({}) to endpoint {} {} attempt {} failed: {}; {}",
          claim.id(),
          claim.eventId(),
          claim.type(),
          claim.endpointId(),
          claim.url(),
          claim.attemptNo(),
          result.error(),
          result instanceof AttemptResult.Gone
              ? "endpoint disabled"
              : next.map(at -> "next attempt at " + at)
                  .orElse("no attempts left: delivery failed"));
    }
  }

  private AttemptResult send(Deliveries.Claim claim, Instant now) {
    long start = System.nanoTime();
    var refusal = guard.refusal(claim.url());
    if (refusal.isPresent()) {
      return new AttemptResult.Failed(
          null, 0, "refused: the URL " + refusal.get(), Optional.empty());
    }
    byte[] body;
    try {
      var event =
          CloudEvent.of(
              claim.eventId(),
              claim.type(),
              claim.subject(),
              claim.occurredAt(),
              json.readTree(claim.data()));
      body = json.writeValueAsBytes(event);
    } catch (IOException e) {
      return new AttemptResult.Failed(
          null, 0, "unreadable event data: " + e.getMessage(), Optional.empty());
    }
    if (body.length > MAX_PAYLOAD) {
      return new AttemptResult.Failed(
          null,
          0,
          "payload of " + body.length + " bytes exceeds the 20 KB limit",
          Optional.empty());
    }
    long timestamp = wall.instant().getEpochSecond();
    String signatures;
    try {
      signatures = box.open(claim.secret()).sign(claim.eventId(), timestamp, body);
      // During a rotation's overlap both secrets sign, the new one first (Standard Webhooks:
      // space-separated).
      if (claim.previousSecret() != null
          && claim.previousExpires() != null
          && now.isBefore(claim.previousExpires())) {
        signatures += " " + box.open(claim.previousSecret()).sign(claim.eventId(), timestamp, body);
      }
    } catch (IllegalStateException e) {
      return new AttemptResult.Failed(null, 0, e.getMessage(), Optional.empty());
    }
    var request =
        HttpRequest.newBuilder(URI.create(claim.url()))
            .timeout(settings.timeout())
            .header("content-type", "application/json")
            .header("user-agent", "Charon-Webhooks/1")
            .header("webhook-id", claim.eventId())
            .header("webhook-timestamp", Long.toString(timestamp))
            .header("webhook-signature", signatures)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    try {
      var response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      String snippet;
      try (var in = response.body()) {
        snippet = new String(in.readNBytes(200), StandardCharsets.UTF_8).strip();
      }
      int latency = (int) ((System.nanoTime() - start) / 1_000_000);
      int status = response.statusCode();
      if (status >= 200 && status < 300) {
        return new AttemptResult.Delivered(status, latency);
      }
      if (status == 410) {
        return new AttemptResult.Gone(status, latency);
      }
      var retryAfter =
          status == 429 || status == 503
              ? response.headers().firstValue("retry-after").flatMap(v -> retryAfter(v, now))
              : Optional.<Duration>empty();
      var error =
          "HTTP "
              + status
              + (status >= 300 && status < 400 ? " (redirects are not followed)" : "")
              + (snippet.isEmpty() ? "" : ": " + snippet);
      return new AttemptResult.Failed(status, latency, error, retryAfter);
    } catch (HttpTimeoutException e) {
      return new AttemptResult.Failed(
          null,
          elapsed(start),
          "no response within " + settings.timeout().toSeconds() + " s",
          Optional.empty());
    } catch (IOException e) {
      return new AttemptResult.Failed(
          null, elapsed(start), "connection failed: " + e, Optional.empty());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new AttemptResult.Failed(
          null, elapsed(start), "interrupted: the deliverer is stopping", Optional.empty());
    }
  }

  private static int elapsed(long start) {
    return (int) ((System.nanoTime() - start) / 1_000_000);
  }

  /** {@code Retry-After} as seconds or an HTTP date; anything unreadable is ignored. */
  static Optional<Duration> retryAfter(String value, Instant now) {
    var text = value.trim();
    try {
      long seconds = Long.parseLong(text);
      return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
    } catch (NumberFormatException e) {
      try {
        var at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        return Optional.of(at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO);
      } catch (DateTimeParseException unreadable) {
        return Optional.empty();
      }
    }
  }

  /** Attempts started and not yet recorded, in this process. */
  public int inFlight() {
    return inFlight.get();
  }

  /**
   * Stops claiming, then waits (at most one delivery timeout and a second) for the attempts already
   * started to record their outcome, so a stopped dispatcher holds no transaction. An attempt still
   * running after that is left to its lease: another dispatcher tries it again.
   */
  @Override
  public void close() {
    stopping = true;
    loop.interrupt();
    try {
      loop.join(5000);
      long deadline = System.nanoTime() + settings.timeout().plusSeconds(1).toNanos();
      while (inFlight.get() > 0 && System.nanoTime() < deadline) {
        // Once per stop, bounded: a 10 ms poll of the in-flight count costs less than signalling
        // from every attempt's virtual thread on the delivery path for this one waiter.
        Thread.sleep(10);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (inFlight.get() > 0) {
      log.warn(
          "webhook dispatcher {} stopped with {} attempts unrecorded; their leases let another"
              + " dispatcher try again",
          owner,
          inFlight.get());
    }
    http.close();
  }
}
