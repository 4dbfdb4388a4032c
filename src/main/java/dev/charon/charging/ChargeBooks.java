package dev.charon.charging;

import dev.charon.charging.domain.CircuitBreaker;
import dev.charon.ops.LogContext;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.DeclineCode;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The books of charging: every charge metric and log line, told by the engine at each step (opened,
 * called, recorded). The engine and the worker do the work; this listener counts and tells it.
 */
final class ChargeBooks {
  private static final Logger log = LoggerFactory.getLogger(ChargeBooks.class);

  private final MeterRegistry metrics;
  private final Timer providerLatency;

  ChargeBooks(MeterRegistry metrics, CircuitBreaker breaker) {
    this.metrics = metrics;
    this.providerLatency =
        Timer.builder("charon.provider.latency")
            .description("Provider call latency")
            .publishPercentileHistogram()
            .register(metrics);
    // Half-open counts as open: the worker still takes no work beyond the one trial call.
    Gauge.builder("charon.provider.breaker.open", breaker, b -> b.isClosed() ? 0 : 1)
        .description("1 while this worker's circuit breaker keeps it from calling the provider")
        .register(metrics);
    // Registered before the first call, so the outcomes an alert divides by exist from the start.
    for (var outcome : List.of("charged", "declined", "unavailable", "unknown")) {
      metrics.counter("charon.charges", "outcome", outcome);
    }
  }

  /** Opening found these invoices no longer PROCESSING and dropped their requests. */
  void stale(Set<Long> invoices) {
    if (!invoices.isEmpty()) {
      metrics.counter("charon.charges", "outcome", "stale").increment(invoices.size());
      log.debug("stale charge requests dropped for invoices {}", invoices);
    }
  }

  /** The breaker kept an attempt from being sent. */
  void blocked() {
    metrics.counter("charon.charges", "outcome", "breaker_open").increment();
  }

  Timer.Sample calling() {
    return Timer.start(metrics);
  }

  /** The provider answered {@code outcome}. */
  void called(Timer.Sample sample, ChargeOutcome outcome) {
    sample.stop(providerLatency);
    metrics
        .counter("charon.charges", "outcome", outcomeName(outcome).toLowerCase(Locale.ROOT))
        .increment();
    if (outcome instanceof ChargeOutcome.Declined d) {
      // Known codes only as tag values: a provider's free text must not grow the metric's
      // cardinality.
      var code = DeclineCode.of(d.reason()).map(DeclineCode::code).orElse("other");
      metrics
          .counter(
              "charon.declines",
              "code",
              code,
              "class",
              DeclineCode.classify(d.reason()).name().toLowerCase(Locale.ROOT))
          .increment();
    }
  }

  /** One count and one line per invoice of a recorded batch: how handling its delivery ended. */
  void recorded(List<ChargeEngine.Call> calls, Map<Long, ChargeEngine.Result> results) {
    var reported = new HashSet<Long>();
    for (var call : calls) {
      var result = results.get(call.invoiceId());
      if (result == null || !reported.add(call.invoiceId())) {
        continue;
      }
      var decision = result instanceof ChargeEngine.Result.Settled s ? s.decision().kind() : "none";
      metrics
          .counter("charon.charges.recorded", "result", resultName(result), "decision", decision)
          .increment();
      logResult(call, result);
    }
  }

  private static void logResult(ChargeEngine.Call call, ChargeEngine.Result result) {
    if (!log.isInfoEnabled()) {
      return; // benchmarks run at WARN: no MDC work per charge for nothing
    }
    var a = call.attempt();
    LogContext.inAttempt(
        a.invoiceId(),
        a.attemptId(),
        () -> {
          switch (result) {
            case ChargeEngine.Result.Settled s ->
                log.info(
                    "invoice {} attempt {}: {}",
                    a.invoiceId(),
                    a.attemptId(),
                    s.decision().reason());
            case ChargeEngine.Result.Rescheduled r ->
                log.info(
                    "invoice {} attempt {}: {}; next call at {}",
                    a.invoiceId(),
                    a.attemptId(),
                    r.why(),
                    r.at());
            case ChargeEngine.Result.Stale s ->
                log.info(
                    "invoice {} attempt {}: {} not recorded; another delivery of the request settled it or has sent the key since",
                    a.invoiceId(),
                    a.attemptId(),
                    call.outcome() == null ? "no call" : outcomeName(call.outcome()));
          }
        });
  }

  private static String resultName(ChargeEngine.Result result) {
    return switch (result) {
      case ChargeEngine.Result.Settled s -> "settled";
      case ChargeEngine.Result.Rescheduled r -> "rescheduled";
      case ChargeEngine.Result.Stale s -> "stale";
    };
  }

  static String outcomeName(ChargeOutcome outcome) {
    return switch (outcome) {
      case ChargeOutcome.Charged c -> "CHARGED";
      case ChargeOutcome.Declined d -> "DECLINED";
      case ChargeOutcome.CustomerNotFound n -> "CUSTOMER_NOT_FOUND";
      case ChargeOutcome.CurrencyMismatch m -> "CURRENCY_MISMATCH";
      case ChargeOutcome.Unavailable u -> "UNAVAILABLE";
      case ChargeOutcome.Unknown u -> "UNKNOWN";
    };
  }
}
