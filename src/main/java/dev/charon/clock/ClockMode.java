package dev.charon.clock;

import dev.charon.billing.BillingRuns;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;

/**
 * How a role tells time, chosen from {@code CHARON_TEST_CLOCK} when the role starts and handed to
 * the parts that care: real time, or the database's test clock. Each mode answers for itself, so no
 * part asks which kind of {@link Clock} it was given.
 */
public sealed interface ClockMode {

  /** "Now" for everything the role does. */
  Clock clock();

  /**
   * The test clock's instant while one is set (the scheduler's fire times follow it), else empty.
   */
  Supplier<Optional<Instant>> frozen();

  /**
   * The controls behind {@code /rest/v1/test-clock} in this mode: none in real time. {@code
   * webhookAttemptTimeout} is present when this deployment delivers webhooks, so an advance waits
   * for the deliveries that come due too.
   */
  Optional<TestClock> controls(
      Jdbi jdbi, BillingRuns runs, ZoneId zone, Optional<Duration> webhookAttemptTimeout);

  /** Real time: the system clock (or a test's fixed clock). */
  static ClockMode real(Clock clock) {
    return new RealTime(clock);
  }

  /**
   * The mode {@code settings} ask for: the database's test clock with {@code
   * CHARON_TEST_CLOCK=true}, else the system clock, refusing to start if the database has a test
   * clock set anyway.
   */
  static ClockMode of(Jdbi jdbi, TestClockSettings settings) {
    TestClock.refuseStaleClock(jdbi, settings);
    if (!settings.enabled()) {
      return real(Clock.systemUTC());
    }
    org.slf4j.LoggerFactory.getLogger(ClockMode.class)
        .warn(
            "CHARON_TEST_CLOCK=true: time is the database's test clock once POST /rest/v1/test-clock freezes it");
    // No cache across processes: a worker still holding the previous step's time would date a
    // retry from it while the SQL already claims at the new time. (An advancing process
    // invalidates its own DatabaseClock, so one shared in-process instance may cache.)
    return new DatabaseTime(new DatabaseClock(jdbi, Clock.systemUTC(), Duration.ZERO));
  }

  record RealTime(Clock clock) implements ClockMode {
    @Override
    public Supplier<Optional<Instant>> frozen() {
      return Optional::empty;
    }

    @Override
    public Optional<TestClock> controls(
        Jdbi jdbi, BillingRuns runs, ZoneId zone, Optional<Duration> webhookAttemptTimeout) {
      return Optional.empty();
    }
  }

  /** {@code CHARON_TEST_CLOCK=true}: the {@code test_clock} row is "now" once it is set. */
  record DatabaseTime(DatabaseClock clock) implements ClockMode {
    @Override
    public Supplier<Optional<Instant>> frozen() {
      return clock::frozen;
    }

    @Override
    public Optional<TestClock> controls(
        Jdbi jdbi, BillingRuns runs, ZoneId zone, Optional<Duration> webhookAttemptTimeout) {
      return Optional.of(
          new TestClock(jdbi, clock, runs, zone, Duration.ofSeconds(60), webhookAttemptTimeout));
    }
  }
}
