package dev.charon.payment;

import dev.charon.payment.fake.SimulatedPaymentProvider;
import dev.charon.payment.stripe.StripePaymentProvider;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;

/** Builds the provider a process's settings ask for; composition roots call this, nothing else. */
public final class PaymentProviders {
  private PaymentProviders() {}

  public static PaymentProvider create(
      PaymentSettings settings, Clock clock, MeterRegistry metrics) {
    return create(settings, clock, metrics, HttpPaymentProvider.DEFAULT_CONNECTIONS);
  }

  /**
   * @param concurrency the most charges the caller runs at once: the HTTP provider keeps as many
   *     keep-alive connections.
   */
  public static PaymentProvider create(
      PaymentSettings settings, Clock clock, MeterRegistry metrics, int concurrency) {
    return switch (settings.provider()) {
      case GATEWAY ->
          new HttpPaymentProvider(
              settings.gatewayUrl().orElseThrow(),
              settings.connectTimeout(),
              settings.requestTimeout(),
              concurrency);
      case STRIPE -> new StripePaymentProvider(settings.stripe().orElseThrow(), metrics);
      case SIMULATOR ->
          new SimulatedPaymentProvider(
              settings.simulator(), clock, SimulatedPaymentProvider.Sleeper.REAL);
    };
  }
}
