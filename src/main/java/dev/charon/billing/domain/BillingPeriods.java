package dev.charon.billing.domain;

import java.time.YearMonth;
import java.util.regex.Pattern;

/**
 * What a person may ask to bill: a period written {@code YYYY-MM}, not after the current one. A
 * future period would sweep today's due invoices into a run that then blocks that month's real run
 * (one run per period), so it is refused rather than created.
 */
public final class BillingPeriods {
  private static final Pattern FORMAT = Pattern.compile("[0-9]{4}-(0[1-9]|1[0-2])");

  private BillingPeriods() {}

  /** The period, or IllegalArgumentException saying what is wrong with {@code raw}. */
  public static YearMonth parse(String raw, YearMonth current) {
    if (raw == null || !FORMAT.matcher(raw).matches()) {
      throw new IllegalArgumentException("'" + shorten(raw) + "' is not a period like " + current);
    }
    var period = YearMonth.parse(raw);
    if (period.isAfter(current)) {
      throw new IllegalArgumentException(
          raw + " is in the future: the latest period that can be billed is " + current);
    }
    return period;
  }

  private static String shorten(String raw) {
    if (raw == null) {
      return "";
    }
    return raw.length() <= 32 ? raw : raw.substring(0, 32) + "…";
  }
}
