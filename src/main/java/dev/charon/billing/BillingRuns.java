package dev.charon.billing;

import dev.charon.billing.domain.BillingRun;
import dev.charon.billing.domain.RunProgress;
import dev.charon.db.SqlFiles;
import dev.charon.invoice.Tallies;
import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.ops.LogContext;
import dev.charon.subscription.SubscriptionInvoices;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Billing runs: exactly one per period (a unique key on the period, so a second scheduler, a
 * retried execution or a manual start joins the existing run), produced in resumable batches and
 * finished when none of its invoices is in flight any more.
 *
 * <p>Due for a run: PENDING, due on or before the run's cut-off (the day it started, in the billing
 * zone), billed for the run's period or earlier. Invoices in flight (PROCESSING) are never picked
 * again; those waiting for a retry come back through {@link #enqueueRetries}.
 */
public final class BillingRuns {
  private static final Logger log = LoggerFactory.getLogger(BillingRuns.class);
  private static final String COLUMNS =
      "id, period, state, cutoff, started_by, enqueued, started_at, finished_at";
  private static final BooleanSupplier NEVER = () -> false;

  /** The run of the period and whether this call created it. */
  public record Started(BillingRun run, boolean created) {}

  private final Jdbi jdbi;
  private final DueInvoices due;
  private final SubscriptionInvoices subscriptionInvoices;
  private final Clock clock;
  private final ZoneId zone;
  private final int batchSize;
  private final MeterRegistry metrics;
  private final Tallies tallies;

  /** Offers invoices on the invoice row and as charge_request rows: right for either intake. */
  public BillingRuns(Jdbi jdbi, Clock clock, ZoneId zone, int batchSize, MeterRegistry metrics) {
    this(jdbi, clock, zone, batchSize, metrics, true);
  }

  /**
   * {@code publishRequests}: write the charge_request rows the RabbitMQ intake's relay publishes;
   * the table intake claims the invoice rows themselves and does without them (issue 26).
   */
  public BillingRuns(
      Jdbi jdbi,
      Clock clock,
      ZoneId zone,
      int batchSize,
      MeterRegistry metrics,
      boolean publishRequests) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, was " + batchSize);
    }
    this.jdbi = jdbi;
    this.due = new DueInvoices(jdbi, publishRequests);
    this.subscriptionInvoices = new SubscriptionInvoices(jdbi, clock, batchSize, metrics);
    this.clock = clock;
    this.zone = zone;
    this.batchSize = batchSize;
    this.metrics = metrics;
    this.tallies = new Tallies(jdbi, metrics);
  }

  /**
   * Folds the invoice tallies' deltas (the maintenance task, so that they stay small when no one
   * reads the overview); see {@link Tallies#compact()}.
   */
  public long compactTallies() {
    return tallies.compact();
  }

  /** The tallies this instance folds, for readers in the same process. */
  public Tallies tallies() {
    return tallies;
  }

  public static BillingRuns of(
      Jdbi jdbi, Clock clock, BillingSettings settings, MeterRegistry metrics) {
    return new BillingRuns(jdbi, clock, settings.zone(), settings.batchSize(), metrics);
  }

  /** As {@link #of(Jdbi, Clock, BillingSettings, MeterRegistry)}, for the charge transport. */
  public static BillingRuns of(
      Jdbi jdbi,
      Clock clock,
      BillingSettings settings,
      MeterRegistry metrics,
      boolean publishRequests) {
    return new BillingRuns(
        jdbi, clock, settings.zone(), settings.batchSize(), metrics, publishRequests);
  }

  /** The period a run started now belongs to: this month in the billing zone. */
  public YearMonth currentPeriod() {
    return YearMonth.now(clock.withZone(zone));
  }

  /**
   * Creates the run of {@code period}, or returns the existing one. Cut-off: today in the billing
   * zone.
   */
  public Started startOrJoin(YearMonth period, String startedBy) {
    var today = LocalDate.now(clock.withZone(zone));
    var created =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        "insert into billing_run (period, cutoff, started_by, started_at) values (:period, :cutoff, :by, :at) "
                            + "on conflict (period) do nothing returning "
                            + COLUMNS)
                    .bind("period", period.toString())
                    .bind("cutoff", today)
                    .bind("by", startedBy)
                    .bind("at", clock.instant())
                    .map((rs, ctx) -> map(rs))
                    .findOne());
    if (created.isPresent()) {
      Counter.builder("charon.billing.runs.started")
          .description("Billing runs created, by who started them")
          .tag("started_by", startedBy)
          .register(metrics)
          .increment();
      LogContext.inRun(
          created.get().id(),
          () ->
              log.info(
                  "billing run {} for {} started by {} (cut-off {})",
                  created.get().id(),
                  period,
                  startedBy,
                  today));
      return new Started(created.get(), true);
    }
    var existing = find(period).orElseThrow();
    LogContext.inRun(
        existing.id(),
        () ->
            log.info(
                "billing run {} for {} already exists ({}, started by {}); {} joins it",
                existing.id(),
                period,
                existing.state(),
                existing.startedBy(),
                startedBy));
    return new Started(existing, false);
  }

  /**
   * Enqueues every due invoice of the run, batch by batch, then marks it CHARGING. Idempotent and
   * resumable: run it again after a crash and it continues where it stopped.
   */
  public BillingRun produce(BillingRun run) {
    return produce(run, NEVER);
  }

  /**
   * As {@link #produce(BillingRun)}, but returns between two batches once {@code stopRequested}
   * says so (a shutdown): the run stays PRODUCING and the next producer continues it. A CHARGING
   * run is swept once more, so an invoice that became due late still joins it.
   */
  public BillingRun produce(BillingRun run, BooleanSupplier stopRequested) {
    if (run.finished()) {
      return run;
    }
    return LogContext.inRun(run.id(), () -> produceUnfinished(run, stopRequested));
  }

  private BillingRun produceUnfinished(BillingRun run, BooleanSupplier stopRequested) {
    setState(run.id(), "PRODUCING", "STARTED");
    // Subscriptions' invoices for the period first (exactly once, resumable), then every due
    // invoice.
    if (!subscriptionInvoices.createFor(run.period(), stopRequested).complete()) {
      return find(run.id()).orElseThrow();
    }
    int credited = due.applyCredit(run.id(), run.period(), run.cutoff(), clock.instant());
    if (credited > 0) {
      log.info(
          "billing run {} for {}: {} invoice(s) took their customer's credit balance",
          run.id(),
          run.period(),
          credited);
      metrics.counter("charon.credit.applied.invoices").increment(credited);
    }
    long total = 0;
    int n;
    while ((n = due.enqueueForRun(run.id(), run.period(), run.cutoff(), batchSize)) > 0) {
      total += n;
      if (stopRequested.getAsBoolean()) {
        log.info(
            "billing run {} for {}: producer stopped after {} invoice(s); the next producer resumes it",
            run.id(),
            run.period(),
            total);
        return find(run.id()).orElseThrow();
      }
    }
    setState(run.id(), "CHARGING", "PRODUCING");
    if (total > 0 || run.state() != BillingRun.State.CHARGING) {
      log.info(
          "billing run {} for {}: {} invoice(s) enqueued by this producer",
          run.id(),
          run.period(),
          total);
    }
    return find(run.id()).orElseThrow();
  }

  /**
   * Marks the run FINISHED once none of its invoices is in flight; true if it is finished. Not
   * while a producer's batch is being written (its rows are not visible yet): such a batch holds
   * the run's lock, so this answers "not yet" and the next call decides.
   */
  public boolean finishIfDone(long runId) {
    return LogContext.inRun(runId, () -> finishInContext(runId));
  }

  private boolean finishInContext(long runId) {
    int updated =
        jdbi.inTransaction(
            h -> {
              if (!RunLock.tryExclusiveInTransaction(h, runId)) {
                return 0;
              }
              return h.createUpdate(
                      SqlFiles.statement(
                          """
                      update billing_run r set state = 'FINISHED', finished_at = :now
                      where id = :id and state = 'CHARGING'
                        and not exists (select 1 from invoice where billing_run_id = r.id and status = ${status.PROCESSING})
                      """))
                  .bind("id", runId)
                  .bind("now", clock.instant())
                  .execute();
            });
    if (updated == 1) {
      log.info("billing run {} finished", runId);
    }
    return updated == 1 || find(runId).map(BillingRun::finished).orElse(false);
  }

  /** Resumes every run a crash left unfinished: produce what is left, finish what is done. */
  public void resumeUnfinished() {
    resumeUnfinished(NEVER);
  }

  public void resumeUnfinished(BooleanSupplier stopRequested) {
    for (var run : unfinished()) {
      if (stopRequested.getAsBoolean()) {
        return;
      }
      var produced = produce(run, stopRequested);
      if (produced.state() == BillingRun.State.CHARGING) {
        finishIfDone(run.id());
      }
    }
  }

  /** Enqueues every invoice whose retry time has come; returns how many. */
  public int enqueueRetries() {
    return enqueueRetries(NEVER);
  }

  public int enqueueRetries(BooleanSupplier stopRequested) {
    int total = 0;
    int n;
    while ((n = due.enqueueRetries(clock.instant(), batchSize)) > 0) {
      total += n;
      if (stopRequested.getAsBoolean()) {
        break;
      }
    }
    if (total > 0) {
      log.info("{} invoice(s) with a due retry enqueued", total);
    }
    return total;
  }

  /** The run and its invoices' counts and totals, read in one snapshot. */
  /**
   * How long the run's charging took, from its first charge attempt to its last outcome, and how
   * many invoices got an outcome: a run's own figures, however long it sat between a stopped and a
   * resumed process. Empty before the first outcome.
   */
  public Optional<ChargeTiming> chargeTiming(long runId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select min(a.created_at) as first_attempt, max(a.completed_at) as last_outcome,
                           count(distinct a.invoice_id) filter (where a.completed_at is not null) as invoices
                    from charge_attempt a join invoice i on i.id = a.invoice_id
                    where i.billing_run_id = :id
                    """)
                .bind("id", runId)
                .map(
                    (rs, ctx) ->
                        rs.getTimestamp("last_outcome") == null
                            ? null
                            : new ChargeTiming(
                                rs.getTimestamp("first_attempt").toInstant(),
                                rs.getTimestamp("last_outcome").toInstant(),
                                rs.getLong("invoices")))
                .findOne());
  }

  /** See {@link #chargeTiming}. */
  public record ChargeTiming(
      java.time.Instant firstAttempt, java.time.Instant lastOutcome, long invoices) {
    public java.time.Duration elapsed() {
      return lastOutcome.isBefore(firstAttempt)
          ? java.time.Duration.ZERO
          : java.time.Duration.between(firstAttempt, lastOutcome);
    }
  }

  public RunProgress progress(long runId) {
    return jdbi.inTransaction(TransactionIsolationLevel.REPEATABLE_READ, h -> progress(h, runId));
  }

  /** {@link #progress(long)} inside the caller's transaction (a write that answers with it). */
  public RunProgress progress(Handle h, long runId) {
    var run =
        h.createQuery("select " + COLUMNS + " from billing_run where id = :id")
            .bind("id", runId)
            .map((rs, ctx) -> map(rs))
            .findOne()
            .orElseThrow(() -> new IllegalArgumentException("no billing run " + runId));
    var byStatus = new HashMap<String, Long>();
    var paid = new HashMap<String, Long>();
    var billed = new HashMap<String, Long>();
    // From the tallies (V50.1), not the run's invoices: the overview polls this every second, and a
    // run may hold millions of invoices.
    h.createQuery(
            """
            select status, currency, sum(invoices)::bigint as n, sum(amount_minor)::bigint as amount
            from %s t where run_id = :id group by status, currency
            having sum(invoices) <> 0
            """
                .formatted(Tallies.INVOICES))
        .bind("id", runId)
        .map(
            (rs, ctx) -> {
              var status = rs.getString("status");
              var currency = rs.getString("currency");
              long amount = rs.getLong("amount");
              byStatus.merge(status, rs.getLong("n"), Long::sum);
              billed.merge(currency, amount, Math::addExact);
              if (status.equals(InvoiceStatus.PAID.name())) {
                paid.merge(currency, amount, Math::addExact);
              }
              return status;
            })
        .list();
    return new RunProgress(run, byStatus, paid, billed);
  }

  public Optional<BillingRun> find(YearMonth period) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select " + COLUMNS + " from billing_run where period = :p")
                .bind("p", period.toString())
                .map((rs, ctx) -> map(rs))
                .findOne());
  }

  public Optional<BillingRun> find(long id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select " + COLUMNS + " from billing_run where id = :id")
                .bind("id", id)
                .map((rs, ctx) -> map(rs))
                .findOne());
  }

  public List<BillingRun> list(long after, int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select "
                        + COLUMNS
                        + " from billing_run where id > :after order by id limit :limit")
                .bind("after", after)
                .bind("limit", limit)
                .map((rs, ctx) -> map(rs))
                .list());
  }

  List<BillingRun> unfinished() {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select " + COLUMNS + " from billing_run where state <> 'FINISHED' order by id")
                .map((rs, ctx) -> map(rs))
                .list());
  }

  private void setState(long id, String to, String from) {
    jdbi.useHandle(
        h ->
            h.createUpdate("update billing_run set state = :to where id = :id and state = :from")
                .bind("to", to)
                .bind("from", from)
                .bind("id", id)
                .execute());
  }

  private static BillingRun map(ResultSet rs) throws SQLException {
    var finished = rs.getTimestamp("finished_at");
    return new BillingRun(
        rs.getLong("id"),
        YearMonth.parse(rs.getString("period")),
        BillingRun.State.valueOf(rs.getString("state")),
        rs.getObject("cutoff", LocalDate.class),
        rs.getString("started_by"),
        rs.getLong("enqueued"),
        rs.getTimestamp("started_at").toInstant(),
        finished == null ? null : finished.toInstant());
  }
}
