package dev.charon.billing;

import java.time.Clock;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Billing runs: exactly one per period (a unique key on the period, so a second scheduler, a
 * retried execution or a manual start joins the existing run), produced in resumable batches and
 * finished when none of its invoices is in flight any more.
 */
public final class BillingRuns {
  private static final Logger log = LoggerFactory.getLogger(BillingRuns.class);
  private static final String COLUMNS = "id, period, state, cutoff, started_by, enqueued, started_at, finished_at";

  /** The run of the period and whether this call created it. */
  public record Started(BillingRun run, boolean created) {}

  private final Jdbi jdbi;
  private final DueInvoices due;
  private final Clock clock;
  private final ZoneId zone;
  private final int batchSize;

  public BillingRuns(Jdbi jdbi, Clock clock, ZoneId zone, int batchSize) {
    this.jdbi = jdbi;
    this.due = new DueInvoices(jdbi);
    this.clock = clock;
    this.zone = zone;
    this.batchSize = batchSize;
  }

  /** Creates the run of {@code period}, or returns the existing one. Cut-off: today in the billing zone. */
  public Started startOrJoin(YearMonth period, String startedBy) {
    var today = LocalDate.now(clock.withZone(zone));
    var created =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        "insert into billing_run (period, cutoff, started_by, started_at) values (:period, :cutoff, :by, :at) "
                            + "on conflict (period) do nothing returning " + COLUMNS)
                    .bind("period", period.toString())
                    .bind("cutoff", today)
                    .bind("by", startedBy)
                    .bind("at", clock.instant())
                    .map((rs, ctx) -> map(rs))
                    .findOne());
    if (created.isPresent()) {
      log.info("billing run {} for {} started by {} (cut-off {})", created.get().id(), period, startedBy, today);
      return new Started(created.get(), true);
    }
    return new Started(find(period).orElseThrow(), false);
  }

  /**
   * Enqueues every due invoice of the run, batch by batch, then marks it CHARGING. Idempotent and
   * resumable: run it again after a crash and it continues where it stopped.
   */
  public BillingRun produce(BillingRun run) {
    if (run.state() == BillingRun.State.CHARGING || run.finished()) {
      return run;
    }
    setState(run.id(), "PRODUCING", "STARTED");
    long total = 0;
    int n;
    do {
      n = due.enqueueForRun(run.id(), run.period(), run.cutoff(), batchSize);
      total += n;
    } while (n > 0);
    setState(run.id(), "CHARGING", "PRODUCING");
    log.info("billing run {} for {}: {} invoice(s) enqueued by this producer", run.id(), run.period(), total);
    return find(run.period()).orElseThrow();
  }

  /** Marks the run FINISHED once none of its invoices is in flight; true if it is finished. */
  public boolean finishIfDone(long runId) {
    int updated =
        jdbi.withHandle(
            h ->
                h.createUpdate(
                        """
                        update billing_run r set state = 'FINISHED', finished_at = :now
                        where id = :id and state = 'CHARGING'
                          and not exists (select 1 from invoice where billing_run_id = r.id and status = 'PROCESSING')
                        """)
                    .bind("id", runId)
                    .bind("now", clock.instant())
                    .execute());
    if (updated == 1) {
      log.info("billing run {} finished", runId);
    }
    return updated == 1 || find(runId).map(BillingRun::finished).orElse(false);
  }

  /** Resumes every run a crash left unfinished: produce what is left, finish what is done. */
  public void resumeUnfinished() {
    for (var run : unfinished()) {
      produce(run);
      finishIfDone(run.id());
    }
  }

  public int enqueueRetries() {
    int total = 0;
    int n;
    do {
      n = due.enqueueRetries(clock.instant(), batchSize);
      total += n;
    } while (n > 0);
    if (total > 0) {
      log.info("{} invoice(s) with a due retry enqueued", total);
    }
    return total;
  }

  public RunProgress progress(long runId) {
    var run = find(runId).orElseThrow(() -> new IllegalArgumentException("no billing run " + runId));
    return jdbi.withHandle(
        h -> {
          var byStatus = new LinkedHashMap<String, Long>();
          h.createQuery("select status, count(*) as n from invoice where billing_run_id = :id group by status order by status")
              .bind("id", runId)
              .map((rs, ctx) -> byStatus.put(rs.getString("status"), rs.getLong("n")))
              .list();
          var paid = new LinkedHashMap<String, Long>();
          h.createQuery(
                  "select currency, sum(amount_minor) as total from invoice where billing_run_id = :id and status = 'PAID' "
                      + "group by currency order by currency")
              .bind("id", runId)
              .map((rs, ctx) -> paid.put(rs.getString("currency"), rs.getLong("total")))
              .list();
          return new RunProgress(run, byStatus, paid);
        });
  }

  public Optional<BillingRun> find(YearMonth period) {
    return jdbi.withHandle(
        h -> h.createQuery("select " + COLUMNS + " from billing_run where period = :p").bind("p", period.toString())
            .map((rs, ctx) -> map(rs)).findOne());
  }

  public Optional<BillingRun> find(long id) {
    return jdbi.withHandle(
        h -> h.createQuery("select " + COLUMNS + " from billing_run where id = :id").bind("id", id)
            .map((rs, ctx) -> map(rs)).findOne());
  }

  public List<BillingRun> list(long after, int limit) {
    return jdbi.withHandle(
        h -> h.createQuery("select " + COLUMNS + " from billing_run where id > :after order by id limit :limit")
            .bind("after", after).bind("limit", limit).map((rs, ctx) -> map(rs)).list());
  }

  List<BillingRun> unfinished() {
    return jdbi.withHandle(
        h -> h.createQuery("select " + COLUMNS + " from billing_run where state <> 'FINISHED' order by id")
            .map((rs, ctx) -> map(rs)).list());
  }

  private void setState(long id, String to, String from) {
    jdbi.useHandle(h -> h.createUpdate("update billing_run set state = :to where id = :id and state = :from")
        .bind("to", to).bind("from", from).bind("id", id).execute());
  }

  private static BillingRun map(java.sql.ResultSet rs) throws java.sql.SQLException {
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
