package dev.charon.reconcile;

import dev.charon.audit.ProviderLedger;
import dev.charon.db.SqlFiles;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adopts what the provider did (issue 27): reads the provider's ledger forward from the cursor in
 * {@code ledger_cursor} and records every charge the database does not show as its invoice's charge
 * ({@link AdoptionStore}). Each page is one transaction that holds the cursor row, adopts, and
 * moves the cursor, so a pass is safe on any number of servers (the second finds the cursor moved
 * and stops) and a database restored to an earlier moment has the cursor of that moment.
 *
 * <p>The maintenance task passes with a grace period: charges younger than it are left to the
 * workers, whose calls may still be recording them, and the cursor stops before them. After the
 * database went back in time ({@link LineageWatch}) a pass without grace reads to the ledger's end.
 */
public final class ProviderAdoption {
  private static final Logger log = LoggerFactory.getLogger(ProviderAdoption.class);
  static final int PAGE = 1000;

  /** What one pass did. */
  public record Pass(long read, long adopted, long refused, String position) {}

  private final Jdbi jdbi;
  private final ChargeFeed feed;
  private final Clock providerClock;
  private final MeterRegistry metrics;
  private final AdoptionStore store = new AdoptionStore();

  /** {@code providerClock}: the clock the provider stamps its charges with (real time). */
  public ProviderAdoption(Jdbi jdbi, ChargeFeed feed, Clock providerClock, MeterRegistry metrics) {
    this.jdbi = jdbi;
    this.feed = feed;
    this.providerClock = providerClock;
    this.metrics = metrics;
  }

  /** Reads from the cursor to the charges younger than {@code grace}, adopting on the way. */
  public Pass pass(Duration grace, BooleanSupplier stopRequested)
      throws IOException, InterruptedException {
    long read = 0;
    long adopted = 0;
    long refused = 0;
    var position = position();
    while (!stopRequested.getAsBoolean()) {
      var horizon = providerClock.instant().minus(grace);
      var page = new ArrayList<ChargeFeed.Entry>();
      for (var entry : feed.after(position, PAGE)) {
        if (entry.charge().created().isAfter(horizon)) {
          break; // the cursor stops before the first charge inside the grace period
        }
        page.add(entry);
      }
      if (page.isEmpty()) {
        break;
      }
      var from = position;
      var outcomes = jdbi.inTransaction(h -> adoptPage(h, from, page));
      if (outcomes == null) {
        log.info("provider adoption: another pass moved the {} cursor; stopping", feed.provider());
        break;
      }
      read += page.size();
      for (var outcome : outcomes) {
        report(outcome);
        switch (outcome) {
          case Adoption.Adopted a -> adopted++;
          case Adoption.Refused r -> refused++;
          case Adoption.Recorded r -> {}
        }
      }
      position = page.getLast().position();
    }
    metrics.counter("charon.adoption.charges.read", "provider", feed.provider()).increment(read);
    return new Pass(read, adopted, refused, position);
  }

  private String position() {
    return jdbi.inTransaction(
        h -> {
          h.createUpdate(SqlFiles.get("reconcile/cursor-read"))
              .bind("provider", feed.provider())
              .bind("start", feed.start())
              .execute();
          return cursor(h);
        });
  }

  private String cursor(Handle h) {
    return h.createQuery(SqlFiles.get("reconcile/cursor-lock"))
        .bind("provider", feed.provider())
        .mapTo(String.class)
        .one();
  }

  // Null when another pass moved the cursor since this page was read.
  private List<Adoption> adoptPage(Handle h, String from, List<ChargeFeed.Entry> page) {
    if (!cursor(h).equals(from)) {
      return null;
    }
    var charges = page.stream().map(ChargeFeed.Entry::charge).toList();
    var outcomes = new ArrayList<Adoption>();
    // In invoice order, as every charge-path transaction locks invoices: no deadlock with workers.
    store.candidates(h, charges).stream()
        .map(charges::get)
        .sorted(Comparator.comparingLong(ProviderLedger.Charge::invoiceId))
        .forEach(c -> outcomes.add(store.adopt(h, c)));
    long adopted =
        outcomes.stream()
            .mapToLong(
                o ->
                    switch (o) {
                      case Adoption.Adopted a -> 1;
                      case Adoption.Refused r -> 0;
                      case Adoption.Recorded r -> 0;
                    })
            .sum();
    h.createUpdate(SqlFiles.get("reconcile/cursor-move"))
        .bind("provider", feed.provider())
        .bind("position", page.getLast().position())
        .bind("adopted", adopted)
        .execute();
    return outcomes;
  }

  private void report(Adoption outcome) {
    var c = outcome.charge();
    switch (outcome) {
      case Adoption.Adopted a -> {
        metrics.counter("charon.adoption.charges", "outcome", "adopted").increment();
        log.info(
            "adopted provider charge {} of invoice {} (attempt {}, key {}, {} {}): the database"
                + " showed the invoice {} without it",
            c.chargeId(),
            c.invoiceId(),
            a.attempt(),
            c.key(),
            c.amountMinor(),
            c.currency(),
            a.previousStatus());
      }
      case Adoption.Refused r -> {
        metrics.counter("charon.adoption.charges", "outcome", r.kind()).increment();
        log.warn(
            "provider charge {} of invoice {} (key {}) not adopted: {}; charon audit reports it",
            c.chargeId(),
            c.invoiceId(),
            c.key(),
            r.why());
      }
      case Adoption.Recorded r ->
          metrics.counter("charon.adoption.charges", "outcome", "recorded").increment();
    }
  }
}
