package dev.charon.payment;

import dev.charon.payment.stripe.StripePaymentProvider;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;

/** Builds the provider a process's settings ask for; composition roots call this, nothing else. */
public final class PaymentProviders {
  private PaymentProviders() {}

  public static PaymentProvider create(PaymentSettings settings, Clock clock) {
    return create(settings, clock, new SimpleMeterRegistry());
  }

  public static PaymentProvider create(
      PaymentSettings settings, Clock clock, MeterRegistry metrics) {
    return switch (settings.provider()) {
      case GATEWAY ->
          new HttpPaymentProvider(
              settings.gatewayUrl().orElseThrow(),
              settings.connectTimeout(),
              settings.requestTimeout());
      case STRIPE -> new StripePaymentProvider(settings.stripe().orElseThrow(), metrics);
      case SIMULATOR ->
          new SimulatedPaymentProvider(
              settings.simulator(), clock, SimulatedPaymentProvider.Sleeper.REAL);
    };
  }
}
