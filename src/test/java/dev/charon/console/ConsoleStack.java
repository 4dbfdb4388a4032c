package dev.charon.console;

import dev.charon.auth.Role;
import dev.charon.billing.BillingRuns;
import dev.charon.billing.BillingScheduler;
import dev.charon.billing.BillingSettings;
import dev.charon.charging.ChargeEngine;
import dev.charon.charging.ChargeWorker;
import dev.charon.charging.ChargingSettings;
import dev.charon.charging.Intake;
import dev.charon.config.Env;
import dev.charon.payment.fake.FaultProfile;
import dev.charon.payment.fake.SimulatedPaymentProvider;
import dev.charon.seed.Seeder;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * What the console talks to, wired as {@code demo} wires it: seeded data (40 customers, 12
 * periods), the API as {@code server} serves it, a billing scheduler whose maintenance runs every
 * second, and an in-process worker charging through the simulator. Keys for a reader and an
 * operator.
 */
final class ConsoleStack implements AutoCloseable {
  final Clock clock = Clock.systemUTC();
  final TestApi api;
  final String operatorKey;
  final String readerKey;
  private final BillingScheduler scheduler;
  private final ChargeWorker worker;

  ConsoleStack(TestDatabase db) {
    new Seeder(db.jdbi(), clock).seed(40, 12, 0.42);
    var metrics = new SimpleMeterRegistry();
    var billing = BillingSettings.from(new Env(Map.of("CHARON_RETRY_POLL", "1s")));
    var runs = BillingRuns.of(db.jdbi(), clock, billing, metrics);
    scheduler = new BillingScheduler(db.dataSource(), runs, billing, clock, "browser-test").start();
    // Slow enough (60 ms a charge, two at a time) that a run is seen in progress; 10% declines;
    // customer 3 is unknown at the provider, so its invoice needs an operator.
    var provider =
        new SimulatedPaymentProvider(
            FaultProfile.builder()
                .latency(60, 20)
                .declineRate(0.1)
                .customersNotFound(Set.of(3L))
                .seed(7)
                .build(),
            clock,
            SimulatedPaymentProvider.Sleeper.REAL);
    var charging = ChargingSettings.from(new Env(Map.of()));
    var engine =
        new ChargeEngine(
            db.jdbi(),
            provider,
            charging.policy(),
            charging.breaker(clock),
            clock,
            "browser-worker",
            metrics);
    worker =
        new ChargeWorker(
                Intake.table(
                    db.jdbi(), engine, "browser-worker", charging.lease(), Duration.ofMillis(100)),
                engine,
                2,
                metrics)
            .start();
    api = TestApi.start(db.jdbi(), clock);
    operatorKey = api.keys().create(Role.OPERATOR, "console-operator").secret();
    readerKey = api.keys().create(Role.READER, "console-reader").secret();
  }

  @Override
  public void close() {
    api.close();
    worker.close();
    scheduler.stop();
  }
}
