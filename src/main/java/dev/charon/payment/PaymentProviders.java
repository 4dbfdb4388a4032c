package dev.charon.payment;

import java.time.Clock;

/** Builds the provider a process's settings ask for; composition roots call this, nothing else. */
public final class PaymentProviders {
  private PaymentProviders() {}

  public static PaymentProvider create(PaymentSettings settings, Clock clock) {
    return settings
        .gatewayUrl()
        .<PaymentProvider>map(url -> new HttpPaymentProvider(url, settings.connectTimeout(), settings.requestTimeout()))
        .orElseGet(() -> new SimulatedPaymentProvider(settings.simulator(), clock, SimulatedPaymentProvider.Sleeper.REAL));
  }
}
