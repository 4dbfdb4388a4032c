package dev.charon.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.Schedules;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live-safe audit ({@link Auditor}) on a schedule: a db-scheduler recurring task, so one server
 * of the cluster runs it at a time, every {@code CHARON_AUDIT_INTERVAL} after the last run ended.
 * Each run stores its result ({@code audit_result}); a difference that appears emits {@code
 * audit.difference_found} and all of them gone emits {@code audit.cleared}, in the same transaction
 * as the result, so the event feed, webhooks and the broker hear of it as of every other event. A
 * run that cannot read the provider's ledger is stored as FAILED and emits nothing: it neither
 * raises nor clears a difference.
 */
public final class StandingAudit {
  private static final Logger log = LoggerFactory.getLogger(StandingAudit.class);

  public static final String TASK = "standing-audit";
  public static final String FOUND = "audit.difference_found";
  public static final String CLEARED = "audit.cleared";
  // Serialises compare-and-store if two runs overlap (a revived execution, a test calling runOnce).
  private static final long LOCK = 0x6175_6469_7400L;

  private final Jdbi jdbi;
  private final Auditor auditor;
  private final Clock clock;
  private final String ranBy;
  private final AuditResults results;
  private final Map<AuditResults.Outcome, Counter> runs = new LinkedHashMap<>();

  public StandingAudit(
      Jdbi jdbi,
      Auditor auditor,
      Clock clock,
      String ranBy,
      ObjectMapper json,
      MeterRegistry metrics) {
    this.jdbi = jdbi;
    this.auditor = auditor;
    this.clock = clock;
    this.ranBy = ranBy;
    this.results = new AuditResults(json);
    for (var outcome : AuditResults.Outcome.values()) {
      runs.put(
          outcome,
          Counter.builder("charon.audit.runs")
              .description("Standing audit runs by outcome")
              .tag("outcome", outcome.name().toLowerCase(java.util.Locale.ROOT))
              .register(metrics));
    }
  }

  /**
   * The server's standing audit, when it knows the provider's ledger: the gateway's ({@code
   * CHARON_GATEWAY_URL}) or the Stripe account's ({@code CHARON_PROVIDER=stripe}). The in-process
   * simulator keeps no ledger to audit against.
   */
  public static java.util.Optional<StandingAudit> forProvider(
      Jdbi jdbi,
      dev.charon.payment.PaymentSettings payment,
      Clock clock,
      String ranBy,
      MeterRegistry metrics) {
    java.util.Optional<Auditor> auditor =
        switch (payment.provider()) {
          case GATEWAY ->
              payment
                  .gatewayUrl()
                  .map(
                      url ->
                          new Auditor(
                              jdbi,
                              url.toString().endsWith("/") ? url : java.net.URI.create(url + "/")));
          case STRIPE -> payment.stripe().map(stripe -> Auditor.stripe(jdbi, stripe));
          case SIMULATOR -> java.util.Optional.empty();
        };
    return auditor.map(
        a -> new StandingAudit(jdbi, a, clock, ranBy, dev.charon.api.Json.mapper(), metrics));
  }

  /** The recurring task for the billing scheduler's db-scheduler. */
  public RecurringTask<Void> task(AuditSettings settings) {
    return Tasks.recurring(TASK, Schedules.fixedDelay(settings.interval()))
        .onDeadExecutionRevive()
        .execute((instance, ctx) -> runOnce());
  }

  /** One audit: read, compare with the last completed one, store, tell. */
  public AuditResults.Stored runOnce() {
    var started = clock.instant();
    Auditor.Report report;
    try {
      report = auditor.run();
    } catch (IOException | RuntimeException e) {
      log.warn("standing audit could not run: {}", e.toString());
      return store(started, null, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return store(started, null, "interrupted (server stopping)");
    }
    return store(started, report, null);
  }

  private AuditResults.Stored store(
      java.time.Instant started, Auditor.Report report, String error) {
    var stored =
        jdbi.inTransaction(
            h -> {
              h.execute("select pg_advisory_xact_lock(?)", LOCK);
              var finished = clock.instant();
              if (report == null) {
                long id = results.insertFailed(h, started, finished, error, ranBy);
                return results.last(h).filter(r -> r.id() == id).orElseThrow();
              }
              var before = results.lastCompleted(h);
              long id = results.insert(h, started, finished, report, ranBy);
              var now = results.last(h).filter(r -> r.id() == id).orElseThrow();
              var previous = before.map(AuditResults.Stored::differences).orElse(Map.of());
              var appeared =
                  now.differences().entrySet().stream()
                      .filter(e -> e.getValue() > 0 && previous.getOrDefault(e.getKey(), 0L) == 0)
                      .map(Map.Entry::getKey)
                      .toList();
              long previousTotal = before.map(AuditResults.Stored::total).orElse(0L);
              if (!appeared.isEmpty()) {
                results.event(h, FOUND, id, data(now, report, appeared));
                log.warn(
                    "standing audit {} found differences {} (new: {}); see GET /rest/v1/audits/last",
                    id,
                    nonZero(now.differences()),
                    appeared);
              } else if (previousTotal > 0 && now.total() == 0) {
                results.event(h, CLEARED, id, data(now, report, List.of()));
                log.info("standing audit {} cleared: everything reconciles again", id);
              }
              results.prune(h);
              return now;
            });
    runs.get(stored.outcome()).increment();
    switch (stored.outcome()) {
      case RECONCILES ->
          log.info(
              "standing audit {}: everything reconciles ({} provider charges, {} in flight)",
              stored.id(),
              stored.providerCharges().orElse(0L),
              stored.inFlightCharges().orElse(0L));
      case DIFFERENCES ->
          log.warn("standing audit {}: DIFFERENCES {}", stored.id(), nonZero(stored.differences()));
      case FAILED ->
          log.warn("standing audit {} failed: {}", stored.id(), stored.error().orElse(""));
    }
    return stored;
  }

  private static Map<String, Object> data(
      AuditResults.Stored now, Auditor.Report report, List<String> appeared) {
    var data = new LinkedHashMap<String, Object>();
    data.put("auditId", now.id());
    data.put("cut", report.cut().toString());
    data.put("differences", now.differences());
    data.put("appeared", appeared);
    var examples = new LinkedHashMap<String, List<Long>>();
    for (var check : report.checks()) {
      if (!check.ok()) {
        examples.put(check.kind(), check.examples());
      }
    }
    data.put("examples", examples);
    return data;
  }

  private static Map<String, Long> nonZero(Map<String, Long> differences) {
    var nonZero = new LinkedHashMap<String, Long>();
    differences.forEach(
        (kind, n) -> {
          if (n > 0) {
            nonZero.put(kind, n);
          }
        });
    return nonZero;
  }
}
