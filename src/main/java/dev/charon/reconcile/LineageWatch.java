package dev.charon.reconcile;

import dev.charon.db.SqlFiles;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knows when the database went back in time (issue 27). A promoted standby and a point-in-time
 * restore run on a new PostgreSQL timeline, while {@code lineage_marker}, written before, still
 * names the old one. Until the marker is rewritten, workers open no attempt ({@code
 * charon_lineage_current()}, checked by {@code ChargeStore.open}); this check, run by the
 * maintenance task of every server, adopts the provider's charges from the cursor the database
 * returned with to the ledger's end, without grace, and only then records the new timeline, which
 * lets charging resume. The marker row stays locked meanwhile, so one server does it.
 *
 * <p>What it cannot see: a restore that keeps the timeline (a base backup started without recovery,
 * a logical dump loaded into a fresh cluster: the latter also draws a new lineage secret only if
 * migrated afresh, which it is not). Derived keys still make the engine's repeat of a forgotten
 * attempt a replay at the provider, for as long as the provider remembers keys; the regular
 * adoption pass records the rest within its grace period.
 */
public final class LineageWatch {
  private static final Logger log = LoggerFactory.getLogger(LineageWatch.class);

  private final Jdbi jdbi;
  private final ProviderAdoption adoption;
  private final MeterRegistry metrics;

  public LineageWatch(Jdbi jdbi, ProviderAdoption adoption, MeterRegistry metrics) {
    this.jdbi = jdbi;
    this.adoption = adoption;
    this.metrics = metrics;
  }

  /**
   * Checks the timeline; after a move, adopts to the ledger's end and records the new timeline.
   * Returns the pass it made, if the timeline had moved.
   */
  public Optional<ProviderAdoption.Pass> check(BooleanSupplier stopRequested) throws Exception {
    return jdbi.inTransaction(
        h -> {
          var known =
              h.createQuery(SqlFiles.get("reconcile/marker-read")).mapTo(Integer.class).findOne();
          int current =
              h.createQuery(SqlFiles.get("reconcile/timeline")).mapTo(Integer.class).one();
          Optional<ProviderAdoption.Pass> pass = Optional.empty();
          if (known.isPresent() && known.get() != current) {
            log.warn(
                "the database moved from timeline {} to {} (a promotion or a restore): it may have"
                    + " forgotten charges; charging waits until the provider's ledger is adopted"
                    + " from the cursor it returned with",
                known.get(),
                current);
            metrics.counter("charon.lineage.timeline.moves").increment();
            var done = adoption.pass(Duration.ZERO, stopRequested);
            if (stopRequested.getAsBoolean()) {
              return pass; // the marker stays: the next server to check adopts again
            }
            log.warn(
                "timeline {} adopted: {} provider charges read, {} adopted, {} refused; charging"
                    + " resumes",
                current,
                done.read(),
                done.adopted(),
                done.refused());
            pass = Optional.of(done);
          }
          if (known.isEmpty() || known.get() != current || pass.isPresent()) {
            h.createUpdate(SqlFiles.get("reconcile/marker-write"))
                .bind("timeline", current)
                .execute();
          }
          return pass;
        });
  }
}
