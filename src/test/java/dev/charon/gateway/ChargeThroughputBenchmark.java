package dev.charon.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.HttpPaymentProvider;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.fake.FaultProfile;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Charges per second through the real HTTP client and gateway, fsync'd journal included. Run with
 * {@code -Dtest=ChargeThroughputBenchmark -Dtest.excludedTags= -Dcharges=100000 -Dclients=128}.
 */
@Tag("benchmark")
class ChargeThroughputBenchmark {
  @TempDir Path dir;

  @Test
  void charges_per_second_at_zero_latency() throws Exception {
    int charges = Integer.getInteger("charges", 50_000);
    int clients = Integer.getInteger("clients", 64);
    var faults = FaultProfile.builder().declineRate(0.05).build();
    try (var gateway =
            GatewayServer.start(
                new GatewayServer.Options(
                    "127.0.0.1",
                    0,
                    Path.of(System.getProperty("journal.dir", dir.toString()))
                        .resolve("bench-journal.jsonl"),
                    true,
                    faults),
                Clock.systemUTC());
        var provider =
            new HttpPaymentProvider(
                URI.create(gateway.url()), Duration.ofSeconds(2), Duration.ofSeconds(30))) {
      var next = new AtomicLong();
      var charged = new AtomicLong();
      long started = System.nanoTime();
      try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int c = 0; c < clients; c++) {
          pool.submit(
              () -> {
                for (long i; (i = next.incrementAndGet()) <= charges; ) {
                  var outcome =
                      provider.charge(
                          new ChargeRequest(
                              i, i, Money.ofMinor(1_000, Currency.EUR), "bench-" + i));
                  if (outcome instanceof ChargeOutcome.Charged) {
                    charged.incrementAndGet();
                  }
                }
              });
        }
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      System.out.printf(
          "%d charges by %d clients in %.2f s: %.0f charges/s%n",
          charges, clients, seconds, charges / seconds);
      assertThat(gateway.replayed()).isZero();
      assertThat(charged.get()).isBetween((long) (charges * 0.9), (long) charges);
    }
  }
}
