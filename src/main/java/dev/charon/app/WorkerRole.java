package dev.charon.app;

import dev.charon.charging.ChargeEngine;
import dev.charon.charging.ChargeWorker;
import dev.charon.charging.ChargingSettings;
import dev.charon.charging.Intake;
import dev.charon.charging.domain.Backoff;
import dev.charon.config.ConfigException;
import dev.charon.db.Database;
import dev.charon.payment.PaymentProvider;
import dev.charon.queue.QueueSettings;
import dev.charon.refund.RefundExecutor;
import dev.charon.refund.domain.RefundPolicy;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;

/**
 * Wires a charge worker: queue transport, charge engine, provider. Used by worker, demo and bill.
 */
public final class WorkerRole {
  private static final RefundPolicy REFUND_POLICY =
      new RefundPolicy(
          new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(10)),
          new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(10)));

  private WorkerRole() {}

  public static String workerName() {
    return "worker-" + hostname() + "-" + ProcessHandle.current().pid();
  }

  public static ChargeWorker start(
      Database db,
      QueueSettings queueSettings,
      ChargingSettings charging,
      PaymentProvider provider,
      Clock clock,
      MeterRegistry metrics) {
    // Each pipeline holds up to two connections at once (a claim and a record transaction); one
    // more serves hand-backs and the health check.
    int needed = 2 * Math.min(charging.pipelines(), charging.concurrency()) + 1;
    if (db.poolSize() < needed) {
      throw new ConfigException(
          "CHARON_DB_POOL_SIZE="
              + db.poolSize()
              + " is too small for CHARON_WORKER_PIPELINES="
              + charging.pipelines()
              + ": expected at least "
              + needed);
    }
    var name = workerName();
    var engine =
        new ChargeEngine(
            db.jdbi(), provider, charging.policy(), charging.breaker(clock), clock, name, metrics);
    var intake =
        switch (queueSettings.transport()) {
          case POSTGRES ->
              Intake.table(db.jdbi(), engine, name, charging.lease(), charging.claimPoll());
          case RABBITMQ ->
              Intake.queue(
                  dev.charon.queue.RabbitChargeQueue.start(queueSettings.amqp(), name, metrics),
                  engine);
        };
    // Refunds are claimed from their own table whatever the charge transport (docs/architecture.md,
    // Refunds).
    var refunds =
        RefundExecutor.create(
                db.jdbi(),
                provider,
                REFUND_POLICY,
                clock,
                name,
                charging.lease(),
                Duration.ofSeconds(1),
                16,
                metrics)
            .start();
    return new ChargeWorker(
            intake,
            engine,
            charging.concurrency(),
            charging.pipelines(),
            charging.claimLinger(),
            metrics)
        .start()
        .alsoClosing(refunds);
  }

  private static String hostname() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "unknown-host";
    }
  }
}
