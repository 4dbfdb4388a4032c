package dev.charon.ops;

import java.util.function.Supplier;
import org.slf4j.MDC;

/**
 * The MDC keys a log line carries when it concerns a billing run, an invoice or a charge attempt,
 * in both log formats. MDC is per thread and charges run on virtual threads, so each helper puts
 * the keys on the calling thread, runs the work there and restores what was there before.
 */
public final class LogContext {
  public static final String RUN_ID = "runId";
  public static final String INVOICE_ID = "invoiceId";
  public static final String ATTEMPT_ID = "attemptId";

  private LogContext() {}

  public static <T> T inRun(long runId, Supplier<T> work) {
    return with(RUN_ID, runId, null, 0, work);
  }

  public static void inRun(long runId, Runnable work) {
    with(RUN_ID, runId, null, 0, asSupplier(work));
  }

  public static void inInvoice(long invoiceId, Runnable work) {
    with(INVOICE_ID, invoiceId, null, 0, asSupplier(work));
  }

  public static <T> T inAttempt(long invoiceId, long attemptId, Supplier<T> work) {
    return with(INVOICE_ID, invoiceId, ATTEMPT_ID, attemptId, work);
  }

  public static void inAttempt(long invoiceId, long attemptId, Runnable work) {
    with(INVOICE_ID, invoiceId, ATTEMPT_ID, attemptId, asSupplier(work));
  }

  private static Supplier<Void> asSupplier(Runnable work) {
    return () -> {
      work.run();
      return null;
    };
  }

  private static <T> T with(
      String key, long value, String secondKey, long secondValue, Supplier<T> work) {
    var previous = MDC.get(key);
    var secondPrevious = secondKey == null ? null : MDC.get(secondKey);
    MDC.put(key, Long.toString(value));
    if (secondKey != null) {
      MDC.put(secondKey, Long.toString(secondValue));
    }
    try {
      return work.get();
    } finally {
      restore(key, previous);
      if (secondKey != null) {
        restore(secondKey, secondPrevious);
      }
    }
  }

  private static void restore(String key, String previous) {
    if (previous == null) {
      MDC.remove(key);
    } else {
      MDC.put(key, previous);
    }
  }
}
