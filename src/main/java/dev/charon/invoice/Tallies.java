package dev.charon.invoice;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The invoice and decline tallies (migration V50.1): counts and money per billing period, run,
 * currency and status, kept exact by triggers as compacted rows plus append-only deltas. Readers
 * select from {@link #INVOICES} and {@link #DECLINES}, which add the two in one snapshot; {@link
 * #compact()} folds the deltas so that reads stay small. The server folds them on its maintenance
 * task and before an overview read at most once a second ({@link #compactIfDue()}).
 */
public final class Tallies {
  private static final Logger log = LoggerFactory.getLogger(Tallies.class);

  /** At most one fold per process per this interval from the read path. */
  static final Duration READ_FOLD_INTERVAL = Duration.ofSeconds(1);

  /**
   * A subquery of every invoice counted: {@code billing_period, run_id (0 outside runs), currency,
   * status, invoices, amount_minor}; rows of one key are to be summed.
   */
  public static final String INVOICES =
      """
      (select billing_period, run_id, currency, status, invoices, amount_minor from invoice_tally
       union all
       select billing_period, run_id, currency, status, invoices, amount_minor from invoice_tally_delta)""";

  /**
   * Declined attempts: {@code billing_period, code, attempts}; rows of one key are to be summed.
   */
  public static final String DECLINES =
      """
      (select billing_period, code, attempts from decline_tally
       union all
       select billing_period, code, attempts from decline_tally_delta)""";

  private final Jdbi jdbi;
  private final Counter folded;
  private final Timer timer;
  private final AtomicLong lastReadFold = new AtomicLong(Long.MIN_VALUE / 2);

  public Tallies(Jdbi jdbi, MeterRegistry metrics) {
    this.jdbi = jdbi;
    this.folded =
        Counter.builder("charon.tally.folded")
            .description("Tally delta rows folded into the invoice and decline tallies")
            .register(metrics);
    this.timer =
        Timer.builder("charon.tally.fold")
            .description("Time to fold the tally deltas (one transaction)")
            .register(metrics);
  }

  /**
   * Folds every committed delta into the tallies; returns the delta rows folded, or -1 when another
   * session was folding (this one did not wait).
   */
  public long compact() {
    long started = System.nanoTime();
    long n = jdbi.withHandle(h -> h.createQuery("select tally_compact()").mapTo(Long.class).one());
    long elapsed = System.nanoTime() - started;
    timer.record(Duration.ofNanos(elapsed));
    if (n > 0) {
      folded.increment(n);
      if (n >= 10_000) {
        log.info("folded {} tally delta rows in {} ms", n, elapsed / 1_000_000);
      } else {
        log.debug("folded {} tally delta rows in {} ms", n, elapsed / 1_000_000);
      }
    }
    return n;
  }

  /**
   * {@link #compact()} unless this process folded less than {@link #READ_FOLD_INTERVAL} ago: the
   * overview polls every second, and each poll then reads the tallies plus at most a second of
   * deltas, whatever the maintenance task is busy with.
   */
  public void compactIfDue() {
    long now = System.nanoTime();
    long last = lastReadFold.get();
    if (now - last < READ_FOLD_INTERVAL.toNanos() || !lastReadFold.compareAndSet(last, now)) {
      return;
    }
    compact();
  }
}
