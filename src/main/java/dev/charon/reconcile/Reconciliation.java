package dev.charon.reconcile;

import dev.charon.payment.PaymentSettings;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The maintenance task's reconciliation step (issue 27): first whether the database went back in
 * time ({@link LineageWatch}), then a regular adoption pass with a grace period ({@link
 * ProviderAdoption}). A failure is logged and counted, never thrown: the rest of maintenance
 * (retries, tallies) goes on, and a timeline still unchecked keeps charging stopped, which is the
 * safe side.
 */
public final class Reconciliation {
  private static final Logger log = LoggerFactory.getLogger(Reconciliation.class);

  /**
   * Charges younger than this are left to the workers that made them: longer than a provider call
   * (10 s by default) and its recording, so that the regular pass adopts only what was forgotten.
   */
  public static final Duration GRACE = Duration.ofMinutes(2);

  private final LineageWatch watch;
  private final ProviderAdoption adoption;
  private final Duration grace;
  private final MeterRegistry metrics;

  public Reconciliation(
      LineageWatch watch, ProviderAdoption adoption, Duration grace, MeterRegistry metrics) {
    this.watch = watch;
    this.adoption = adoption;
    this.grace = grace;
    this.metrics = metrics;
  }

  /** For the provider the deployment charges through; none for the in-process simulator. */
  public static Optional<Reconciliation> forProvider(
      PaymentSettings payment, Jdbi jdbi, Duration grace, MeterRegistry metrics) {
    Optional<ChargeFeed> feed =
        switch (payment.provider()) {
          case GATEWAY -> payment.gatewayUrl().map(GatewayChargeFeed::new);
          case STRIPE -> payment.stripe().map(StripeChargeFeed::new);
          case SIMULATOR -> Optional.empty();
        };
    return feed.map(
        f -> {
          // The provider stamps its charges on its own (real) clock, not the deployment's.
          var adoption = new ProviderAdoption(jdbi, f, Clock.systemUTC(), metrics);
          return new Reconciliation(
              new LineageWatch(jdbi, adoption, metrics), adoption, grace, metrics);
        });
  }

  public void run(BooleanSupplier stopRequested) {
    try {
      watch.check(stopRequested);
      var pass = adoption.pass(grace, stopRequested);
      if (pass.adopted() > 0 || pass.refused() > 0) {
        log.warn(
            "provider adoption: {} charges read, {} adopted, {} refused (cursor at {})",
            pass.read(),
            pass.adopted(),
            pass.refused(),
            pass.position());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      metrics.counter("charon.adoption.failures").increment();
      log.warn("provider adoption failed; the next maintenance run tries again: {}", e.toString());
    }
  }
}
