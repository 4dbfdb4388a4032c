package dev.charon.cli;

import dev.charon.app.DemoWebhooks;
import dev.charon.webhooks.WebhookReceiver;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code charon webhook-receiver}: a receiver to try webhooks with. Verifies each delivery's
 * Standard Webhooks signature with the endpoint's secret and prints the verified ones.
 */
@Command(
    name = "webhook-receiver",
    description =
        "Listen for webhooks, verify each signature with the endpoint's secret (--secret or CHARON_WEBHOOK_SECRET) and print the verified deliveries.")
final class WebhookReceiverCommand implements Callable<Integer> {
  @Option(names = "--port", description = "Port to listen on (default 9000).")
  int port = 9000;

  @Option(names = "--host", description = "Address to listen on (default 127.0.0.1).")
  String host = "127.0.0.1";

  @Option(
      names = "--secret",
      description = "The endpoint's whsec_... secret (default: CHARON_WEBHOOK_SECRET).")
  String secret;

  @Override
  public Integer call() throws InterruptedException {
    var key = secret != null ? secret : System.getenv("CHARON_WEBHOOK_SECRET");
    if (key == null || !key.startsWith("whsec_")) {
      System.err.println(
          "webhook-receiver needs the endpoint's secret: --secret whsec_... or CHARON_WEBHOOK_SECRET");
      return 2;
    }
    try (var receiver =
        WebhookReceiver.start(
                host,
                port,
                DemoWebhooks::print,
                refusal -> System.out.println("REFUSED " + refusal))
            .secret(key)) {
      System.out.println(
          "webhook receiver listening on http://"
              + host
              + ":"
              + receiver.port()
              + "/ (register it with"
              + " POST /rest/v1/webhook-endpoints; CHARON_WEBHOOKS_ALLOW_PRIVATE=true for a local address)");
      new CountDownLatch(1).await();
    }
    return 0;
  }
}
