package dev.charon.testing;

import dev.charon.audit.Auditor;
import dev.charon.billing.BillingRuns;
import dev.charon.billing.domain.BillingRun;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.YearMonth;
import java.time.ZoneOffset;
import org.jdbi.v3.core.Jdbi;

/** Shortcuts for process-level tests: seed due invoices, produce a run, count, audit. */
public final class Billing {
  private final Jdbi jdbi;
  private final BillingRuns runs;

  public Billing(Jdbi jdbi) {
    this.jdbi = jdbi;
    this.runs =
        new BillingRuns(jdbi, Clock.systemUTC(), ZoneOffset.UTC, 1000, new SimpleMeterRegistry());
  }

  /** {@code customers} customers with one due invoice each, enqueued by this period's run. */
  public BillingRun dueRun(int customers) {
    new dev.charon.seed.Seeder(jdbi, Clock.systemUTC()).seed(customers, 1, 0.3);
    return runs.produce(runs.startOrJoin(YearMonth.now(Clock.systemUTC()), "test").run());
  }

  public BillingRuns runs() {
    return runs;
  }

  public long count(String where) {
    return jdbi.withHandle(
        h -> h.createQuery("select count(*) from invoice where " + where).mapTo(Long.class).one());
  }

  public long inFlight() {
    return count("status = 'PROCESSING'");
  }

  public long settled() {
    return count("billing_run_id is not null and status <> 'PROCESSING'");
  }

  public Auditor.Report audit(GatewayProcess gateway) {
    try {
      return new Auditor(jdbi, URI.create(gateway.url() + "/")).run();
    } catch (Exception e) {
      throw new IllegalStateException("audit failed to run", e);
    }
  }
}
