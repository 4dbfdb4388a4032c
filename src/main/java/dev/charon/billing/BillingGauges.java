package dev.charon.billing;

import dev.charon.ops.PolledValue;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * Whether billing keeps its schedule, read from the database by every server: {@code
 * charon_scheduler_task_overdue_seconds{task}} (how long a due execution has waited for a server to
 * pick it, or a picked one has not sent its heartbeat) and {@code
 * charon_billing_runs_unfinished_oldest_age_seconds} (how long the oldest run not yet FINISHED has
 * been going).
 */
public final class BillingGauges {
  private BillingGauges() {}

  // The test clock's time (charon_now()), as db-scheduler's clock and the runs' times are.
  private static final String OVERDUE =
      """
      select task_name,
             case when picked then extract(epoch from charon_now() - last_heartbeat)
                  else greatest(0, extract(epoch from charon_now() - execution_time)) end as overdue
      from scheduled_tasks where task_name = any(:tasks)
      """;

  private static final String UNFINISHED =
      """
      select coalesce(extract(epoch from charon_now() - min(started_at)), 0)
      from billing_run where state <> 'FINISHED'
      """;

  /** {@code tasks}: the recurring tasks whose lateness is published (absent ones read 0). */
  public static void register(Jdbi jdbi, List<String> tasks, MeterRegistry metrics) {
    var overdue =
        new PolledValue<Map<String, Double>>(
            "scheduled task lateness",
            () ->
                jdbi.withHandle(
                    h ->
                        h.createQuery(OVERDUE)
                            .bind("tasks", tasks.toArray(String[]::new))
                            .setMapKeyColumn("task_name")
                            .setMapValueColumn("overdue")
                            .collectInto(
                                new org.jdbi.v3.core.generic.GenericType<
                                    Map<String, Double>>() {})),
            Duration.ofSeconds(5),
            Map.of());
    for (var task : tasks) {
      Gauge.builder("charon.scheduler.task.overdue", overdue, o -> o.get().getOrDefault(task, 0.0))
          .description(
              "Seconds a due execution of the task has waited to be picked, or a picked one has"
                  + " gone without a heartbeat")
          .tag("task", task)
          .baseUnit("seconds")
          // Gauges hold their object weakly: nothing else keeps this reading alive.
          .strongReference(true)
          .register(metrics);
    }
    var unfinished =
        new PolledValue<>(
            "unfinished billing runs",
            () -> jdbi.withHandle(h -> h.createQuery(UNFINISHED).mapTo(Double.class).one()),
            Duration.ofSeconds(5),
            0.0);
    Gauge.builder("charon.billing.runs.unfinished.oldest.age", unfinished, PolledValue::get)
        .description("Seconds since the oldest billing run that is not FINISHED started")
        .baseUnit("seconds")
        // Gauges hold their object weakly: nothing else keeps this reading alive.
        .strongReference(true)
        .register(metrics);
  }
}
