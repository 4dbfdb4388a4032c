package dev.charon.app;

import dev.charon.billing.BillingRuns;
import dev.charon.billing.domain.RunProgress;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * How a billing run's progress looks on the command line. On a terminal one line is redrawn in
 * place ({@code \r}): bar, percent, settled/total, rate, elapsed. Elsewhere (logs, CI, pipes) each
 * update is its own plain line, so nothing is garbled by carriage returns.
 */
public final class BillProgress {
  private static final int BAR_WIDTH = 30;
  // Outcomes in the order an operator reads them: the good news, then what needs attention.
  private static final List<String> STATUS_ORDER =
      List.of(
          "PAID",
          "RETRY_SCHEDULED",
          "ACTION_REQUIRED",
          "UNCOLLECTIBLE",
          "VOID",
          "PROCESSING",
          "PENDING");

  private final PrintWriter out;
  private final boolean tty;
  private int drawnWidth;

  public BillProgress(PrintWriter out, boolean tty) {
    this.out = out;
    this.tty = tty;
  }

  /**
   * Shows one observation. {@code ratePerSecond} is invoices settled per second while this command
   * watched; {@code elapsed} is the run's age.
   */
  void update(RunProgress p, double ratePerSecond, Duration elapsed) {
    var percent = String.format(Locale.ROOT, "%5.1f%%", 100 * p.fractionSettled());
    if (tty) {
      int filled = (int) Math.floor(BAR_WIDTH * p.fractionSettled());
      var line =
          String.format(
              Locale.ROOT,
              "%s%s [%s%s] %s  %d/%d settled  %s/s  %s",
              p.run().period(),
              p.producing() ? " producing" : "",
              "#".repeat(filled),
              ".".repeat(BAR_WIDTH - filled),
              percent,
              p.settled(),
              p.total(),
              rate(ratePerSecond),
              clock(elapsed));
      // Pad over a longer previous line so no stale characters remain at its end.
      out.print("\r" + line + " ".repeat(Math.max(0, drawnWidth - line.length())));
      drawnWidth = line.length();
    } else {
      out.println(
          String.format(
              Locale.ROOT,
              "billing %s%s: %s settled (%d/%d), %d in flight, %s/s, %s elapsed",
              p.run().period(),
              p.producing() ? " (producing)" : "",
              percent.trim(),
              p.settled(),
              p.total(),
              p.inFlight(),
              rate(ratePerSecond),
              clock(elapsed)));
    }
    out.flush();
  }

  /**
   * Ends the live line, if any, and prints the summary table of a run. {@code timing} (null when
   * nothing was charged) gives its elapsed time and throughput: first attempt to last outcome.
   */
  void summary(RunProgress p, BillingRuns.ChargeTiming timing) {
    if (tty && drawnWidth > 0) {
      out.println();
      drawnWidth = 0;
    }
    var run = p.run();
    out.printf(
        Locale.ROOT,
        "billing run %d for %s: %s (started by %s, cut-off %s)%n",
        run.id(),
        run.period(),
        run.state(),
        run.startedBy(),
        run.cutoff());
    out.printf(Locale.ROOT, "  %-18s %10s%n", "outcome", "invoices");
    for (var status : statuses(p)) {
      out.printf(Locale.ROOT, "  %-18s %10d%n", status, p.byStatus().get(status));
    }
    out.printf(Locale.ROOT, "  %-18s %10d%n", "total", p.total());
    if (!p.billedMinorByCurrency().isEmpty()) {
      out.printf(Locale.ROOT, "  %-8s %18s %18s%n", "currency", "billed", "paid");
      for (var code : new TreeSet<>(p.billedMinorByCurrency().keySet())) {
        out.printf(
            Locale.ROOT,
            "  %-8s %18s %18s%n",
            code,
            decimal(code, p.billedMinorByCurrency().get(code)),
            decimal(code, p.paidMinorByCurrency().getOrDefault(code, 0L)));
      }
    }
    var elapsed = timing != null ? timing.elapsed() : Duration.ZERO;
    double seconds = elapsed.toMillis() / 1000.0;
    out.printf(
        Locale.ROOT,
        "  elapsed %s, throughput %s invoices/s%n",
        clock(elapsed),
        seconds > 0 ? rate(timing.invoices() / seconds) : "-");
    out.flush();
  }

  private static List<String> statuses(RunProgress p) {
    var ordered = new ArrayList<String>();
    STATUS_ORDER.stream().filter(p.byStatus()::containsKey).forEach(ordered::add);
    new TreeSet<>(p.byStatus().keySet())
        .stream().filter(s -> !ordered.contains(s)).forEach(ordered::add);
    return ordered;
  }

  private static String decimal(String code, long minor) {
    return Currency.parse(code)
        .map(c -> Money.ofMinor(minor, c).toDecimal().toPlainString())
        .orElse(minor + " (minor units)");
  }

  static String rate(double perSecond) {
    return String.format(Locale.ROOT, perSecond >= 100 ? "%.0f" : "%.1f", perSecond);
  }

  /** 0:07, 12:34, 1:02:03. */
  static String clock(Duration d) {
    long s = Math.max(0, d.toSeconds());
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
