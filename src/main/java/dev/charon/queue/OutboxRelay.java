package dev.charon.queue;

import com.rabbitmq.client.BlockedListener;
import com.rabbitmq.client.Connection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the charge_request outbox onto RabbitMQ (runs in {@code server}). Each round locks a batch
 * of unpublished rows ({@code SKIP LOCKED}, so any number of servers can relay side by side),
 * publishes them with publisher confirms and, in the same transaction, marks published only the
 * rows the broker confirmed. Whatever was nacked, returned or left unanswered by a dropped
 * connection stays unpublished and goes out again in a later round, after the client's automatic
 * recovery. A sweeper republishes rows that were published long ago and still exist: their message
 * was dead-lettered after the delivery limit, or lost. Duplicates are harmless by design (the
 * charge engine checks the invoice's state and reuses the attempt's idempotency key), losses are
 * not.
 */
public final class OutboxRelay implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
  private static final Duration STATS_EVERY = Duration.ofSeconds(2);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

  private static final String UNPUBLISHED =
      """
      select id, invoice_id from charge_request
      where published_at is null and available_at <= charon_now()
      order by id
      limit :batch
      for update skip locked
      """;
  private static final String STALE =
      """
      select id, invoice_id from charge_request
      where published_at < charon_now() - :after * interval '1 millisecond'
      order by published_at, id
      limit :batch
      for update skip locked
      """;

  // Invoices offered on their own row with no charge request: the table intake's (issue 26), left
  // when a deployment switched CHARON_QUEUE from postgres to rabbitmq with invoices in flight. The
  // relay gives them their request once at start, available when their offer (or lease) is, so no
  // invoice waits for a claim no worker makes any more. A no-op when every offer has its request.
  private static final String REQUEST_OFFERED =
      """
      insert into charge_request (invoice_id, run_id, available_at)
      select i.id, i.billing_run_id, i.charge_available_at from invoice i
      where i.charge_available_at is not null
        and not exists (select 1 from charge_request r where r.invoice_id = i.id)
      on conflict (invoice_id) do nothing
      """;

  private final Jdbi jdbi;
  private final AmqpSettings settings;
  private final String name;
  private final Counter publishedNew;
  private final Counter republished;
  private final Counter nacked;
  private final Counter returned;
  private final Counter unconfirmed;
  private final Counter recoveries;
  private final AtomicLong depth = new AtomicLong();
  private final AtomicLong oldestMillis = new AtomicLong();
  private final Thread loop;
  private volatile Connection connection;
  private volatile boolean running = true;
  private volatile boolean redeclare;
  private volatile boolean blocked;
  private long nextSweep;
  private long nextStats;
  private int failures;

  /**
   * {@code name} names the broker connection (e.g. {@code relay-<host>-<pid>}). Call {@link
   * #start}.
   */
  public OutboxRelay(Jdbi jdbi, AmqpSettings settings, String name, MeterRegistry metrics) {
    this.jdbi = jdbi;
    this.settings = settings;
    this.name = name;
    this.publishedNew =
        Counter.builder("charon.relay.published").tag("kind", "new").register(metrics);
    this.republished =
        Counter.builder("charon.relay.published").tag("kind", "republish").register(metrics);
    this.nacked = Counter.builder("charon.relay.failed").tag("reason", "nacked").register(metrics);
    this.returned =
        Counter.builder("charon.relay.failed").tag("reason", "returned").register(metrics);
    this.unconfirmed =
        Counter.builder("charon.relay.failed").tag("reason", "unconfirmed").register(metrics);
    this.recoveries = Counter.builder("charon.relay.recoveries").register(metrics);
    metrics.gauge("charon.outbox.depth", depth);
    TimeGauge.builder(
            "charon.outbox.oldest_age", oldestMillis, TimeUnit.MILLISECONDS, AtomicLong::get)
        .description("age of the oldest charge request waiting to be published")
        .register(metrics);
    this.loop = Thread.ofPlatform().name("outbox-relay").daemon(true).unstarted(this::run);
  }

  /**
   * Connects, declares the topology (failing fast on a bad URL or clashing queue) and starts
   * relaying.
   */
  public OutboxRelay start() {
    connection = RabbitConnections.open(settings, name, this::recovered);
    connection.addBlockedListener(
        new BlockedListener() {
          // A blocked broker (memory or disk alarm) would stall publishes while the batch's rows
          // stay locked; pause instead.
          @Override
          public void handleBlocked(String reason) {
            blocked = true;
          }

          @Override
          public void handleUnblocked() {
            blocked = false;
          }
        });
    RabbitTopology.declare(connection, settings);
    int adopted = jdbi.withHandle(h -> h.createUpdate(REQUEST_OFFERED).execute());
    if (adopted > 0) {
      log.warn(
          "outbox relay {}: {} invoice(s) offered for charging on the table intake had no charge"
              + " request (CHARON_QUEUE switched to rabbitmq while they waited); requested now",
          name,
          adopted);
    }
    loop.start();
    log.info(
        "outbox relay {} publishing to exchange {} (queue {}) at {}",
        name,
        settings.exchange(),
        settings.queue(),
        settings.safeUrl());
    return this;
  }

  private void recovered() {
    recoveries.increment();
    redeclare = true; // in case the broker lost the queue (a reset node); a no-op otherwise
  }

  private void run() {
    while (running) {
      boolean more = false;
      try {
        if (redeclare) {
          redeclare = false;
          RabbitTopology.declare(connection, settings);
        }
        if (!blocked && connection.isOpen()) {
          more = round(false);
          if (System.nanoTime() - nextSweep >= 0) {
            while (running && round(true)) {
              // keep sweeping while whole batches come back and all of them were confirmed
            }
            nextSweep = System.nanoTime() + settings.sweepInterval().toNanos();
          }
        }
        if (System.nanoTime() - nextStats >= 0) {
          refreshStats();
          nextStats = System.nanoTime() + STATS_EVERY.toNanos();
        }
      } catch (RuntimeException e) {
        failures++;
        log.warn("outbox relay round failed; retrying", e);
      }
      if (!more && running) {
        idle();
      }
    }
  }

  /**
   * Relays one batch; true when it was full and all of it was confirmed (more is probably waiting).
   */
  private boolean round(boolean sweep) {
    return jdbi.inTransaction(
        h -> {
          var messages =
              h.createQuery(sweep ? STALE : UNPUBLISHED)
                  .bind("batch", settings.relayBatch())
                  .bind("after", settings.republishAfter().toMillis())
                  .map((rs, ctx) -> new RabbitMessage(rs.getLong("id"), rs.getLong("invoice_id")))
                  .list();
          if (messages.isEmpty()) {
            failures = 0;
            return false;
          }
          var result = RabbitPublishRound.publish(connection, settings, messages);
          if (!result.confirmed().isEmpty()) {
            h.createUpdate(
                    "update charge_request set published_at = charon_now() where id = any(:ids)")
                .bindArray("ids", Long.class, result.confirmed())
                .execute();
          }
          account(sweep, messages, result);
          return messages.size() == settings.relayBatch() && result.failed() == 0;
        });
  }

  private void account(
      boolean sweep, List<RabbitMessage> messages, RabbitPublishRound.Result result) {
    (sweep ? republished : publishedNew).increment(result.confirmed().size());
    nacked.increment(result.nacked());
    returned.increment(result.returned());
    unconfirmed.increment(result.unconfirmed());
    if (sweep) {
      log.info(
          "republished {} charge request(s) published more than {} ago and still open",
          result.confirmed().size(),
          settings.republishAfter());
    }
    if (result.failed() == 0) {
      failures = 0;
      return;
    }
    failures++;
    log.warn(
        "{} of {} charge request(s) not confirmed by the broker ({} nacked, {} returned as unroutable, {} unanswered{});"
            + " they stay unpublished and will be retried",
        result.failed(),
        messages.size(),
        result.nacked(),
        result.returned(),
        result.unconfirmed(),
        result.failure() == null ? "" : ": " + result.failure());
  }

  private void refreshStats() {
    jdbi.useHandle(
        h ->
            h.createQuery(
                    """
                    select count(*) as depth,
                           coalesce(extract(epoch from charon_now() - min(available_at)) * 1000, 0)::bigint as oldest
                    from charge_request where published_at is null and available_at <= charon_now()
                    """)
                .map(
                    (rs, ctx) -> {
                      depth.set(rs.getLong("depth"));
                      oldestMillis.set(rs.getLong("oldest"));
                      return null;
                    })
                .findFirst());
  }

  // Waits for the next poll; after failures, backs off exponentially (up to 10 s) to spare the
  // logs.
  private void idle() {
    long pause = settings.relayPollInterval().toNanos() << Math.min(failures, 16);
    LockSupport.parkNanos(
        this,
        Math.min(pause, Math.max(MAX_BACKOFF.toNanos(), settings.relayPollInterval().toNanos())));
  }

  /** Rows waiting to be published, as of the last refresh (a few seconds old at most). */
  /** Readiness: the broker connection is open and not blocked by a resource alarm. */
  public boolean connected() {
    var c = connection;
    return c != null && c.isOpen() && !blocked;
  }

  public long depth() {
    return depth.get();
  }

  /** Stops relaying (the current round finishes or times out) and closes the connection. */
  @Override
  public void close() {
    running = false;
    LockSupport.unpark(loop);
    try {
      loop.join(settings.confirmTimeout().plusSeconds(5).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    var c = connection;
    if (c != null) {
      try {
        c.close(5_000);
      } catch (Exception e) {
        log.debug("closing the relay connection failed; it is gone either way", e);
      }
    }
  }
}
