package dev.charon.cli;

import dev.charon.audit.Auditor;
import dev.charon.config.ConfigException;
import dev.charon.config.DatabaseSettings;
import dev.charon.config.Env;
import dev.charon.db.Database;
import dev.charon.payment.PaymentSettings;
import java.io.PrintStream;
import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "audit",
    description =
        "Reconcile the database with the provider's ledger (the gateway's, or the Stripe account's charges with CHARON_PROVIDER=stripe); exit 0 only when everything matches.")
final class AuditCommand implements Callable<Integer> {
  @Option(names = "--gateway-url", description = "Gateway base URL (default: CHARON_GATEWAY_URL).")
  String gatewayUrl;

  @Override
  public Integer call() throws Exception {
    var env = Env.system();
    // CHARON_PROVIDER=stripe: reconcile with the Stripe account's charges (CHARON_STRIPE_*), unless
    // a gateway URL is given on the command line.
    boolean stripe =
        gatewayUrl == null
            && env.enumValue(
                    "CHARON_PROVIDER",
                    PaymentSettings.Provider.class,
                    PaymentSettings.Provider.GATEWAY)
                == PaymentSettings.Provider.STRIPE;
    var stripeSettings = stripe ? PaymentSettings.stripe(env) : null;
    var url =
        stripe
            ? null
            : gatewayUrl != null
                ? gatewayUrl
                : env.optional("CHARON_GATEWAY_URL")
                    .orElseThrow(
                        () ->
                            new ConfigException(
                                "audit needs --gateway-url or CHARON_GATEWAY_URL (or CHARON_PROVIDER=stripe)"));
    try (var db = Database.open(DatabaseSettings.from(env), "audit")) {
      var auditor =
          stripe
              ? Auditor.stripe(db.jdbi(), stripeSettings)
              : new Auditor(db.jdbi(), URI.create(url.endsWith("/") ? url : url + "/"));
      var report = auditor.run();
      print(report, System.out);
      return report.reconciles() ? 0 : 1;
    }
  }

  static void print(Auditor.Report report, PrintStream out) {
    out.printf(
        "cut at %s: provider charges: %d, of which in flight (outcome not yet recorded): %d; invoices still in flight: %d%n",
        report.cut(), report.providerCharges(), report.inFlightCharges(), report.inFlight());
    for (var check : report.checks()) {
      out.printf(
          "%-4s %-82s %d%s%n",
          check.ok() ? "ok" : "FAIL",
          check.name(),
          check.violations(),
          check.ok() ? "" : " e.g. invoices " + check.examples());
    }
    out.printf(
        "provider refunds: %d, of which in flight: %d; disputes lost at the provider: %d%n",
        report.providerRefunds(), report.inFlightRefunds(), report.lostDisputes());
    out.printf(
        "%-8s %10s %16s %10s %16s %14s %14s %14s %14s %16s %16s%n",
        "currency",
        "provider n",
        "provider minor",
        "paid n",
        "paid minor",
        "prov refunded",
        "prov lost",
        "refunded",
        "lost",
        "provider net",
        "net");
    for (var line : report.currencies()) {
      out.printf(
          "%-8s %10d %16d %10d %16d %14d %14d %14d %14d %16d %16d %s%n",
          line.currency(),
          line.providerCount(),
          line.providerMinor(),
          line.paidCount(),
          line.paidMinor(),
          line.providerRefundedMinor(),
          line.providerLostMinor(),
          line.refundedMinor(),
          line.lostMinor(),
          line.providerNet(),
          line.net(),
          line.ok() ? "ok" : "MISMATCH");
    }
    out.println(report.reconciles() ? "audit: everything reconciles" : "audit: DIFFERENCES FOUND");
  }
}
