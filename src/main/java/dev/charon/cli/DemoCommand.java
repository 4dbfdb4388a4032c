package dev.charon.cli;

import dev.charon.app.DemoRole;
import dev.charon.config.Env;
import dev.charon.ops.Metrics;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "demo",
    description = "Everything in one process on an embedded PostgreSQL, seeded, API on :7000.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--port", description = "HTTP port (default: CHARON_HTTP_PORT or 7000).")
  Integer port;

  @Option(
      names = "--exit-after",
      paramLabel = "SECONDS",
      description = "Stop after this many seconds (for scripts).")
  Integer exitAfter;

  @Option(
      names = "--webhook-receiver",
      description =
          "Also run a local webhook receiver, registered for invoice events, that verifies and prints each delivery.")
  boolean webhookReceiver;

  @Override
  public Integer call() throws InterruptedException {
    long started = System.nanoTime();
    var settings = DemoRole.Settings.from(Env.system()).withWebhookReceiver(webhookReceiver);
    if (port != null) {
      settings = settings.withPort(port);
    }
    var out = new PrintWriter(System.out, true);
    var demo = DemoRole.start(settings, Metrics.registry("demo"), out);
    int p = demo.port();
    var key = demo.operatorKey();
    out.printf(
        "charon demo ready in %.1f s%n"
            + "  console  http://localhost:%d/#key=%s   (signs the demo operator in)%n"
            + "  API key  %s   (operator; shown once, stored only as a hash)%n"
            + "  API      http://localhost:%d/rest/v1/invoices   (docs: http://localhost:%d/docs)%n"
            + "  invoice  curl -H 'Authorization: Bearer %s' http://localhost:%d/rest/v1/invoices/1%n"
            + "  history  curl -H 'Authorization: Bearer %s' http://localhost:%d/rest/v1/invoices/1/history%n",
        (System.nanoTime() - started) / 1e9, p, key, key, p, p, key, p, key, p);
    demo.billCurrentPeriod();
    if (UntilStopped.await(demo, "demo", exitAfter)) {
      out.println("charon demo: --exit-after " + exitAfter + " s reached, stopping");
    }
    return 0; // System.exit runs the shutdown hook, which stops the demo.
  }
}
