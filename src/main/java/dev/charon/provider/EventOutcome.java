package dev.charon.provider;

import dev.charon.refund.ProviderFacts;
import java.util.Locale;

/**
 * What applying one provider event did. APPLIED: Charon changed, or already had the fact (a
 * redelivered fact, or one the backstop brought first). IGNORED: nothing to do (a type or state
 * that needs nothing). UNMATCHED: about something Charon cannot place, or cannot apply in the
 * invoice's state: stored and reported (metric, log, {@code GET /rest/v1/provider-events}), never
 * retried.
 */
public record EventOutcome(Status status, String detail, Long invoiceId) {
  public enum Status {
    APPLIED,
    IGNORED,
    UNMATCHED;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public static EventOutcome applied(String detail, Long invoiceId) {
    return new EventOutcome(Status.APPLIED, detail, invoiceId);
  }

  public static EventOutcome ignored(String detail) {
    return new EventOutcome(Status.IGNORED, detail, null);
  }

  public static EventOutcome unmatched(String detail, Long invoiceId) {
    return new EventOutcome(Status.UNMATCHED, detail, invoiceId);
  }

  /** How a refund or dispute the provider reported was taken, as an event's outcome. */
  static EventOutcome of(ProviderFacts.Outcome o, long invoiceId) {
    return switch (o.result()) {
      case APPLIED -> applied(o.detail(), invoiceId);
      case KNOWN -> applied("already recorded: " + o.detail(), invoiceId);
      case OURS -> ignored(o.detail() + " (the refund executor records it)");
      case UNMATCHED, NOT_APPLICABLE -> unmatched(o.detail(), invoiceId);
    };
  }
}
