package dev.charon.cli;

import dev.charon.app.Ports;
import dev.charon.config.ConfigException;
import dev.charon.config.Env;
import dev.charon.gateway.GatewayServer;
import dev.charon.gateway.GatewaySettings;
import dev.charon.payment.fake.DeclineMix;
import dev.charon.payment.fake.FaultProfile;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "gateway",
    description =
        "Fake payment provider over HTTP: idempotency keys, a durable ledger, fault knobs.")
final class GatewayCommand implements Callable<Integer> {
  @Option(
      names = "--host",
      description = "Interface to listen on (default: CHARON_GATEWAY_HOST or 0.0.0.0).")
  String host;

  @Option(names = "--port", description = "HTTP port (default: CHARON_GATEWAY_PORT or 7070).")
  Integer port;

  @Option(
      names = "--state-file",
      paramLabel = "PATH",
      description =
          "Journal file (default: CHARON_GATEWAY_STATE or ${java.io.tmpdir}/charon/gateway-journal.jsonl).")
  Path stateFile;

  @Option(names = "--reset", description = "Start from an empty journal.")
  boolean reset;

  @Option(
      names = "--latency-ms",
      description = "Mean latency of a charge (default: ${DEFAULT-VALUE}).",
      defaultValue = "0")
  long latencyMs;

  @Option(
      names = "--latency-jitter-ms",
      description = "Latency is uniform in mean +/- jitter (default: ${DEFAULT-VALUE}).",
      defaultValue = "0")
  long latencyJitterMs;

  @Option(
      names = "--decline-rate",
      paramLabel = "R",
      description = "Share of charges declined (default: ${DEFAULT-VALUE}).",
      defaultValue = "0")
  double declineRate;

  @Option(
      names = "--network-error-rate",
      paramLabel = "R",
      description =
          "Share of requests failed with 503 before processing (default: ${DEFAULT-VALUE}).",
      defaultValue = "0")
  double networkErrorRate;

  @Option(
      names = "--timeout-rate",
      paramLabel = "R",
      description =
          "Share of charges processed whose connection is then aborted (default: ${DEFAULT-VALUE}).",
      defaultValue = "0")
  double timeoutRate;

  @Option(
      names = "--customer-not-found",
      paramLabel = "IDS",
      split = ",",
      description = "Customer ids the provider does not know.")
  Set<Long> customersNotFound = Set.of();

  @Option(
      names = "--currency-mismatch",
      paramLabel = "IDS",
      split = ",",
      description = "Customer ids whose account is in another currency.")
  Set<Long> currencyMismatch = Set.of();

  @Option(
      names = "--decline-codes",
      paramLabel = "MIX",
      description =
          "Decline codes a decline answers with, as code=weight,... or 'standard' (default: ${DEFAULT-VALUE}).",
      defaultValue = "standard")
  String declineCodes;

  @Option(
      names = "--population-seed",
      paramLabel = "N",
      description =
          "Answer from a seeded customer population (decline propensity, expiring cards fixed after some days,"
              + " balances short until a payday) instead of --decline-rate.")
  Long populationSeed;

  @Option(
      names = "--population-start",
      paramLabel = "YYYY-MM",
      description =
          "First month of the population's horizon, in which cards start to expire (default: the current month).")
  java.time.YearMonth populationStart;

  @Option(
      names = "--population-months",
      paramLabel = "N",
      defaultValue = "12",
      description = "Months in the horizon (default: ${DEFAULT-VALUE}).")
  int populationMonths;

  @Option(
      names = "--events-url",
      paramLabel = "URL",
      description =
          "Send signed events (refund.created, dispute.opened, dispute.closed) to this URL, e.g."
              + " Charon's /rest/v1/provider-events/gateway (default: CHARON_GATEWAY_EVENTS_URL; unset: none).")
  java.net.URI eventsUrl;

  @Option(
      names = "--rate-limit",
      description =
          "Answer 429 (Retry-After, nothing processed) to calls above N per second, charges and"
              + " refunds together, as Stripe does above its limit (default: no limit; PUT"
              + " /admin/rate-limit changes it at run time).")
  Integer rateLimit;

  @Option(
      names = "--seed",
      description = "Seed of every random decision (default: ${DEFAULT-VALUE}).",
      defaultValue = "1")
  long seed;

  private static DeclineMix declineMix(String text) {
    try {
      return DeclineMix.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--decline-codes: " + e.getMessage());
    }
  }

  /**
   * The events' target: {@code --events-url} or {@code CHARON_GATEWAY_EVENTS_URL}, signed with
   * {@code CHARON_GATEWAY_EVENTS_SECRET} (Charon's intake verifies with the same variable).
   */
  private java.util.Optional<dev.charon.gateway.SignedEvents.Target> events(
      GatewaySettings settings) {
    var url = eventsUrl != null ? java.util.Optional.of(eventsUrl) : settings.eventsUrl();
    if (url.isEmpty()) {
      return java.util.Optional.empty();
    }
    if (!"http".equals(url.get().getScheme()) && !"https".equals(url.get().getScheme())
        || url.get().getHost() == null) {
      throw new ConfigException(
          "--events-url or CHARON_GATEWAY_EVENTS_URL: '" + url.get() + "' is not an http(s) URL");
    }
    var secret =
        settings
            .eventsSecret()
            .orElseThrow(
                () ->
                    new ConfigException(
                        "--events-url needs CHARON_GATEWAY_EVENTS_SECRET (whsec_..., the secret Charon's"
                            + " /rest/v1/provider-events/gateway verifies with)"));
    return java.util.Optional.of(new dev.charon.gateway.SignedEvents.Target(url.get(), secret));
  }

  @Override
  public Integer call() throws InterruptedException {
    var settings = GatewaySettings.from(Env.system());
    FaultProfile faults;
    try {
      var builder =
          FaultProfile.builder()
              .latency(latencyMs, latencyJitterMs)
              .declineRate(declineRate)
              .networkErrorRate(networkErrorRate)
              .timeoutRate(timeoutRate)
              .customersNotFound(customersNotFound)
              .currencyMismatch(currencyMismatch)
              .seed(seed)
              .declineMix(declineMix(declineCodes));
      if (populationSeed != null) {
        var start =
            populationStart != null ? populationStart : java.time.YearMonth.now(Clock.systemUTC());
        builder.population(
            dev.charon.payment.fake.Population.standard(populationSeed, start, populationMonths));
      }
      faults = builder.build();
    } catch (IllegalArgumentException e) {
      // FaultProfile names its fields (declineRate); the user typed the flag (--decline-rate).
      throw new ConfigException(
          "--"
              + e.getMessage()
                  .replaceAll("([a-z])([A-Z])", "$1-$2")
                  .toLowerCase(java.util.Locale.ROOT));
    }
    var options =
        new GatewayServer.Options(
            host != null ? host : settings.host(),
            port != null ? port : settings.port(),
            stateFile != null ? stateFile : settings.journal(),
            reset,
            faults,
            events(settings),
            rateLimit == null
                ? java.util.OptionalInt.empty()
                : java.util.OptionalInt.of(rateLimit));
    if (rateLimit != null && rateLimit < 1) {
      throw new ConfigException("--rate-limit=" + rateLimit + " is not valid: expected >= 1");
    }
    Ports.requireFree(options.host(), options.port(), "--port or CHARON_GATEWAY_PORT");
    GatewayServer gateway;
    try {
      // Real time: the gateway stands for the provider, a system with its own clock (as Stripe's
      // is); the population model on Charon's test clock runs in-process in 'charon simulate'.
      gateway = GatewayServer.start(options, Clock.systemUTC());
    } catch (UncheckedIOException e) { // a bad or busy --state-file is the user's to fix
      throw new ConfigException(e.getMessage());
    }
    System.out.printf(
        "charon gateway listening on %s%n  journal  %s (%d results replayed)%n  faults   %s%n  rate     %s%n",
        gateway.url(),
        gateway.journalPath().toAbsolutePath(),
        gateway.replayed(),
        faults,
        rateLimit == null ? "no limit" : "at most " + rateLimit + " calls per second, then 429");
    var stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  gateway.close();
                  stopped.countDown();
                },
                "charon-shutdown"));
    stopped.await();
    return 0;
  }
}
