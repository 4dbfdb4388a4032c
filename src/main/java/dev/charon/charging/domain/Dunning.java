package dev.charon.charging.domain;

import dev.charon.payment.domain.DeclineCode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

/**
 * When to retry after a soft decline: a pure function of how many soft declines came before, the
 * time and the decline code. Empty: dunning is exhausted (UNCOLLECTIBLE).
 */
public interface Dunning {

  Optional<Instant> nextRetry(int softDeclinesBefore, Instant now, String declineCode);

  /** Retries allowed in all. */
  int retries();

  /** A name for reports: {@code 1d,3d,7d} or {@code paydays}. */
  String name();

  /** Waits after the 1st, 2nd, ... soft decline; the next one gives up. */
  static Dunning fixed(List<Duration> waits) {
    var copy = List.copyOf(waits);
    return new Dunning() {
      @Override
      public Optional<Instant> nextRetry(int before, Instant now, String code) {
        return before < copy.size() ? Optional.of(now.plus(copy.get(before))) : Optional.empty();
      }

      @Override
      public int retries() {
        return copy.size();
      }

      @Override
      public String name() {
        return String.join(",", copy.stream().map(d -> d.toDays() + "d").toList());
      }
    };
  }

  /**
   * Retries timed to paydays: an insufficient-funds decline is retried at 06:00 UTC on the next
   * payday (the 1st or the 15th) at least a day away, when balances are refilled; any other soft
   * decline (issuer hiccups: {@code try_again_later}, {@code processing_error}, ...) after a day.
   * At most {@code retries} retries.
   */
  static Dunning paydays(int retries) {
    return new Dunning() {
      @Override
      public Optional<Instant> nextRetry(int before, Instant now, String code) {
        if (before >= retries) {
          return Optional.empty();
        }
        if (DeclineCode.of(code).orElse(null) != DeclineCode.INSUFFICIENT_FUNDS) {
          return Optional.of(now.plus(Duration.ofDays(1)));
        }
        var day = LocalDate.ofInstant(now, ZoneOffset.UTC).plusDays(1);
        while (day.getDayOfMonth() != 1 && day.getDayOfMonth() != 15) {
          day = day.plusDays(1);
        }
        return Optional.of(day.atTime(6, 0).toInstant(ZoneOffset.UTC));
      }

      @Override
      public int retries() {
        return retries;
      }

      @Override
      public String name() {
        return "paydays";
      }
    };
  }

  /**
   * Waits per decline code: {@code insufficient_funds} until the next payday, as {@link #paydays};
   * an issuer's transient trouble ({@code try_again_later}, {@code processing_error}) and a {@code
   * generic_decline} the next day; {@code do_not_honor} (the issuer refuses without saying why)
   * after three days; any other soft code after two. At most {@code retries} retries.
   */
  static Dunning byCode(int retries) {
    var paydays = paydays(retries);
    return new Dunning() {
      @Override
      public Optional<Instant> nextRetry(int before, Instant now, String code) {
        if (before >= retries) {
          return Optional.empty();
        }
        var known = DeclineCode.of(code).orElse(null);
        if (known == null) {
          return Optional.of(now.plus(Duration.ofDays(2)));
        }
        return switch (known) {
          case INSUFFICIENT_FUNDS -> paydays.nextRetry(before, now, code);
          case TRY_AGAIN_LATER, PROCESSING_ERROR, GENERIC_DECLINE ->
              Optional.of(now.plus(Duration.ofDays(1)));
          case DO_NOT_HONOR -> Optional.of(now.plus(Duration.ofDays(3)));
          default -> Optional.of(now.plus(Duration.ofDays(2)));
        };
      }

      @Override
      public int retries() {
        return retries;
      }

      @Override
      public String name() {
        return "by-code";
      }
    };
  }

  /** {@code paydays}, {@code by-code} or waits like {@code 1d,3d,7d}. */
  static Dunning parse(String text) {
    var t = text.trim();
    if (t.equals("paydays")) {
      return paydays(4);
    }
    if (t.equals("by-code")) {
      return byCode(4);
    }
    var waits = new java.util.ArrayList<Duration>();
    for (var part : t.split(",")) {
      var p = part.trim();
      if (!p.matches("[1-9][0-9]{0,2}d")) {
        throw new IllegalArgumentException(
            "'" + p + "' is not a wait like 3d (in '" + text + "'); or use paydays or by-code");
      }
      waits.add(Duration.ofDays(Long.parseLong(p.substring(0, p.length() - 1))));
    }
    return fixed(waits);
  }
}
