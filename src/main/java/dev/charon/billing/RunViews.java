package dev.charon.billing;

import dev.charon.billing.domain.BillingRun;
import dev.charon.billing.domain.RunProgress;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.TreeMap;

/** The JSON shapes of billing runs: never the rows themselves, so the table can change freely. */
final class RunViews {
  private RunViews() {}

  /** A run in a list. */
  record RunView(
      long id,
      String period,
      String state,
      LocalDate cutoff,
      String startedBy,
      long enqueued,
      Instant startedAt,
      Instant finishedAt) {

    static RunView of(BillingRun run) {
      return new RunView(
          run.id(),
          run.period().toString(),
          run.state().name(),
          run.cutoff(),
          run.startedBy(),
          run.enqueued(),
          run.startedAt(),
          run.finishedAt());
    }
  }

  /**
   * A run with its live progress. Totals are decimal strings with the currency's own scale ({@code
   * "1234.50"} EUR, {@code "1234"} JPY), so no client parses money as a float.
   */
  record DetailView(
      long id,
      String period,
      String state,
      LocalDate cutoff,
      String startedBy,
      long enqueued,
      Instant startedAt,
      Instant finishedAt,
      ProgressView progress) {

    static DetailView of(RunProgress progress, Instant now) {
      var run = progress.run();
      return new DetailView(
          run.id(),
          run.period().toString(),
          run.state().name(),
          run.cutoff(),
          run.startedBy(),
          run.enqueued(),
          run.startedAt(),
          run.finishedAt(),
          ProgressView.of(progress, now));
    }
  }

  record ProgressView(
      long invoices,
      long settled,
      long inFlight,
      Map<String, Long> byStatus,
      Map<String, String> billed,
      Map<String, String> paid,
      BigDecimal elapsedSeconds) {

    static ProgressView of(RunProgress p, Instant now) {
      return new ProgressView(
          p.total(),
          p.settled(),
          p.inFlight(),
          new TreeMap<>(p.byStatus()),
          decimals(p.billedMinorByCurrency()),
          decimals(p.paidMinorByCurrency()),
          BigDecimal.valueOf(p.run().elapsed(now).toMillis(), 3));
    }
  }

  static Map<String, String> decimals(Map<String, Long> minorByCurrency) {
    var out = new TreeMap<String, String>();
    minorByCurrency.forEach((code, minor) -> out.put(code, decimal(code, minor)));
    return out;
  }

  static String decimal(String code, long minor) {
    var currency =
        Currency.parse(code)
            .orElseThrow(
                () -> new IllegalStateException("currency " + code + " is not known to Charon"));
    return Money.ofMinor(minor, currency).toDecimal().toPlainString();
  }
}
