package dev.charon.cli;

import dev.charon.app.ServerRole;
import dev.charon.config.Env;
import dev.charon.ops.Metrics;
import dev.charon.webhooks.WebhookSettings;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "server",
    description =
        "REST API, billing scheduler, and (with CHARON_QUEUE=rabbitmq) the outbox and event relays.")
final class ServerCommand implements Callable<Integer> {
  @Option(names = "--port", description = "HTTP port (default: CHARON_HTTP_PORT or 7000).")
  Integer port;

  @Override
  public Integer call() throws InterruptedException {
    var settings = ServerRole.Settings.from(Env.system());
    if (port != null) {
      settings = settings.withApi(settings.api().withPort(port));
    }
    var server = ServerRole.start(settings, Metrics.registry("server"));
    if (!server.deliversWebhooks()) {
      System.out.println(
          "webhooks off: set " + WebhookSettings.KEY + " to register endpoints and deliver");
    }
    System.out.println(
        "charon server listening on http://localhost:" + server.port() + "/rest/v1/invoices");
    UntilStopped.await(server, "server", null);
    return 0;
  }
}
