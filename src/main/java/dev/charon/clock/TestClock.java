package dev.charon.clock;

import dev.charon.billing.BillingRuns;
import dev.charon.config.ConfigException;
import dev.charon.domain.Refused;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Freezes time and moves it forward only, running everything that became due on the way in time
 * order: the period's billing run at midnight on the 1st (billing zone), dunning retries whose
 * {@code next_attempt_at} came, charge requests whose {@code available_at} came, leases that
 * expired, and (in a deployment that delivers webhooks) webhook deliveries and their retries whose
 * {@code next_attempt_at} came. At each step it waits until the workers and webhook dispatchers (in
 * this process or others, all reading the same {@code test_clock} row) have drained everything due
 * at that time before moving on, so an advance answers when the system is idle at the new time.
 */
public final class TestClock {
  private static final Logger log = LoggerFactory.getLogger(TestClock.class);

  /** The clock's state as the API shows it: {@code active} while time is frozen. */
  public record State(boolean enabled, boolean active, Instant now) {}

  private final Jdbi jdbi;
  private final DatabaseClock clock;
  private final BillingRuns runs;
  private final ZoneId zone;
  private final Duration idleTimeout;
  private final Optional<Duration> webhookAttemptTimeout;

  /** A deployment that does not deliver webhooks (the simulator, a server without a key). */
  public TestClock(
      Jdbi jdbi, DatabaseClock clock, BillingRuns runs, ZoneId zone, Duration idleTimeout) {
    this(jdbi, clock, runs, zone, idleTimeout, Optional.empty());
  }

  /**
   * {@code webhookAttemptTimeout}: present when this deployment's servers deliver webhooks (they
   * have {@code CHARON_WEBHOOKS_KEY}); the longest an attempt in flight can take, after which a
   * delivery still leased belongs to a deliverer that died and waits for its lease to expire.
   */
  public TestClock(
      Jdbi jdbi,
      DatabaseClock clock,
      BillingRuns runs,
      ZoneId zone,
      Duration idleTimeout,
      Optional<Duration> webhookAttemptTimeout) {
    this.jdbi = jdbi;
    this.clock = clock;
    this.runs = runs;
    this.zone = zone;
    this.idleTimeout = idleTimeout;
    this.webhookAttemptTimeout = webhookAttemptTimeout;
  }

  public State state() {
    clock.invalidate();
    var frozen = clock.frozen();
    return new State(true, frozen.isPresent(), clock.instant());
  }

  /** Freezes time at {@code at} (default: now); 409 when a test clock is already set. */
  public synchronized State freeze(Optional<Instant> at) {
    var instant = at.orElseGet(clock::instant);
    int n =
        jdbi.withHandle(
            h ->
                h.createUpdate("insert into test_clock (now) values (:at) on conflict do nothing")
                    .bind("at", instant)
                    .execute());
    clock.invalidate();
    if (n == 0) {
      throw new Refused(
          Refused.Kind.CONFLICT,
          "A test clock is already set, at " + clock.instant() + "; advance it instead");
    }
    log.info("test clock frozen at {}", instant);
    return state();
  }

  /**
   * Moves the clock to {@code to}, stepping through every due time in between. 409 without a test
   * clock, 422 for a time before the clock's (nothing changes).
   */
  public synchronized State advance(Instant to) {
    clock.invalidate();
    var from =
        clock
            .frozen()
            .orElseThrow(
                () ->
                    new Refused(
                        Refused.Kind.CONFLICT,
                        "No test clock is set; POST /rest/v1/test-clock first"));
    if (to.isBefore(from)) {
      throw new Refused(
          Refused.Kind.INVALID,
          "to",
          "The test clock only moves forward: it is at " + from + ", " + to + " is earlier");
    }
    long started = System.nanoTime();
    int steps = 0;
    runDue(from);
    var now = from;
    while (now.isBefore(to)) {
      var next = nextDue(now).filter(t -> t.isBefore(to)).orElse(to);
      set(next);
      now = next;
      runDue(now);
      steps++;
    }
    log.info(
        "test clock advanced from {} to {} in {} step(s), {} ms",
        from,
        to,
        steps,
        (System.nanoTime() - started) / 1_000_000);
    return state();
  }

  /**
   * At the clock's current time: start the period's run on its 1st, enqueue retries, wait until the
   * charges due are recorded, then until the webhooks due (those charges' events included) are
   * delivered or rescheduled.
   */
  private void runDue(Instant now) {
    var period = ZonedDateTime.ofInstant(now, zone);
    var yearMonth = java.time.YearMonth.from(period);
    // A period's run starts when the clock reaches its first midnight (as the monthly schedule
    // would).
    if (now.equals(yearMonth.atDay(1).atStartOfDay(zone).toInstant())
        && runs.find(yearMonth).isEmpty()) {
      var started = runs.startOrJoin(yearMonth, "test-clock");
      runs.produce(started.run());
    }
    do {
      runs.enqueueRetries();
      awaitIdle(now);
    } while (dueRetries(now) > 0);
    runs.resumeUnfinished();
    if (webhookAttemptTimeout.isPresent()) {
      awaitWebhooks(now, webhookAttemptTimeout.get());
    }
  }

  /**
   * Webhook work due at {@code now}: events not yet fanned out to an enabled endpoint, and pending
   * deliveries of enabled endpoints due and not leased (or with their lease expired).
   */
  private static final String WEBHOOKS_DUE =
      """
      select
        (select count(*) from webhook_endpoint e
         where e.enabled and exists (
             select 1 from event_outbox o where (o.xid, o.id) > (e.cursor_xid, e.cursor_id))),
        (select count(*) from webhook_delivery d join webhook_endpoint e on e.id = d.endpoint_id
         where e.enabled and d.state = 'PENDING' and d.next_attempt_at <= :now
           and (d.lease_until is null or d.lease_until <= :now)),
        (select count(*) from webhook_delivery d join webhook_endpoint e on e.id = d.endpoint_id
         where e.enabled and d.state = 'PENDING' and d.next_attempt_at <= :now and d.lease_until > :now)
      """;

  private record WebhooksDue(long unfannedEndpoints, long due, long inFlight) {}

  /**
   * Waits until the dispatchers have fanned every event out and attempted every delivery due at
   * {@code now}. Attempts in flight are waited for up to {@code attemptTimeout} (plus a margin): an
   * attempt ends within its HTTP timeout, so a delivery still leased after that belongs to a
   * deliverer that died, and its lease expiry is a later step of the advance.
   */
  private void awaitWebhooks(Instant now, Duration attemptTimeout) {
    long deadline = System.nanoTime() + idleTimeout.toNanos();
    long inFlightSince = 0;
    long pause = 1;
    while (true) {
      var due =
          jdbi.withHandle(
              h ->
                  h.createQuery(WEBHOOKS_DUE)
                      .bind("now", now)
                      .map(
                          (rs, ctx) -> new WebhooksDue(rs.getLong(1), rs.getLong(2), rs.getLong(3)))
                      .one());
      if (due.unfannedEndpoints() == 0 && due.due() == 0) {
        if (due.inFlight() == 0) {
          return;
        }
        long t = System.nanoTime();
        if (inFlightSince == 0) {
          inFlightSince = t;
        } else if (t - inFlightSince > attemptTimeout.plusSeconds(5).toNanos()) {
          log.warn(
              "test clock at {}: {} webhook delivery(ies) still leased {} s after their attempt must"
                  + " have ended; their deliverer died, they go again when the lease expires",
              now,
              due.inFlight(),
              attemptTimeout.plusSeconds(5).toSeconds());
          return;
        }
      } else {
        inFlightSince = 0;
      }
      if (System.nanoTime() > deadline) {
        throw new Refused(
            Refused.Kind.NOT_IDLE,
            (due.due() + due.inFlight())
                + " webhook delivery(ies) due at "
                + now
                + " and "
                + due.unfannedEndpoints()
                + " endpoint(s) with events not fanned out were not processed within "
                + idleTimeout.toSeconds()
                + " s; are servers running with CHARON_TEST_CLOCK=true and CHARON_WEBHOOKS_KEY?");
      }
      sleep(pause);
      pause = Math.min(20, pause * 2);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the workers", e);
    }
  }

  /** The earliest time after {@code now} at which something becomes due. */
  private Optional<Instant> nextDue(Instant now) {
    var nextPeriod =
        java.time.YearMonth.from(ZonedDateTime.ofInstant(now, zone))
            .plusMonths(1)
            .atDay(1)
            .atStartOfDay(zone)
            .toInstant();
    var queued =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        """
                        select least(
                          (select min(next_attempt_at) from invoice where status = 'RETRY_SCHEDULED' and next_attempt_at > :now),
                          (select min(charge_available_at) from invoice where charge_available_at > :now),
                          (select min(available_at) from charge_request where available_at > :now),
                          case when :webhooks then (
                            select min(greatest(d.next_attempt_at, coalesce(d.lease_until, d.next_attempt_at)))
                            from webhook_delivery d join webhook_endpoint e on e.id = d.endpoint_id
                            where e.enabled and d.state = 'PENDING'
                              and greatest(d.next_attempt_at, coalesce(d.lease_until, d.next_attempt_at)) > :now)
                          end)
                        """)
                    .bind("now", now)
                    .bind("webhooks", webhookAttemptTimeout.isPresent())
                    .mapTo(Instant.class)
                    .findOne());
    return Optional.of(queued.filter(q -> q.isBefore(nextPeriod)).orElse(nextPeriod));
  }

  private void set(Instant to) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    // advanced_at is when (in real time) the clock was last moved: operator
                    // metadata.
                    "update test_clock set now = :to, advanced_at = now() where id and now <= :to")
                .bind("to", to)
                .execute());
    clock.invalidate();
  }

  private long dueRetries(Instant now) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select count(*) from invoice where status = 'RETRY_SCHEDULED' and next_attempt_at <= :now")
                .bind("now", now)
                .mapTo(Long.class)
                .one());
  }

  /**
   * Waits until no charge is due at {@code now} or held by a worker (the table intake's lease on
   * the invoice, the RabbitMQ intake's request): the workers have recorded every outcome.
   */
  private void awaitIdle(Instant now) {
    long deadline = System.nanoTime() + idleTimeout.toNanos();
    long pause = 1;
    while (true) {
      long due =
          jdbi.withHandle(
              h ->
                  h.createQuery(
                          """
                          select (select count(*) from invoice
                                  where charge_available_at is not null
                                    and (charge_available_at <= :now or charge_lease_owner is not null))
                               + (select count(*) from charge_request where available_at <= :now)""")
                      .bind("now", now)
                      .mapTo(Long.class)
                      .one());
      if (due == 0) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new Refused(
            Refused.Kind.NOT_IDLE,
            due
                + " charge request(s) due at "
                + now
                + " were not processed within "
                + idleTimeout.toSeconds()
                + " s; are workers running with CHARON_TEST_CLOCK=true?");
      }
      sleep(pause);
      pause = Math.min(20, pause * 2);
    }
  }

  /** A deployment without a test clock must not find one set: it would freeze its billing time. */
  public static void refuseStaleClock(Jdbi jdbi, TestClockSettings settings) {
    if (!settings.enabled() && DatabaseClock.read(jdbi).isPresent()) {
      throw new ConfigException(
          "the database has a test clock set (table test_clock) but CHARON_TEST_CLOCK is not true: start with CHARON_TEST_CLOCK=true,"
              + " or delete the row to return to real time");
    }
  }
}
