package dev.charon.app;

import dev.charon.webhooks.Endpoints;
import dev.charon.webhooks.SecretBox;
import dev.charon.webhooks.WebhookReceiver;
import dev.charon.webhooks.WebhookSecret;
import dev.charon.webhooks.WebhookSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** The demo's webhook pieces: a key it keeps next to its data, and an optional local receiver. */
public final class DemoWebhooks {
  private DemoWebhooks() {}

  /**
   * The demo's webhook settings: {@code CHARON_WEBHOOKS_KEY} if set, else a key kept in {@code
   * webhooks.key} beside the embedded data (so endpoints survive a restart), or a fresh one per
   * process on an external database. Private addresses are allowed unless the variable says no.
   */
  public static WebhookSettings settings(
      WebhookSettings fromEnv, Optional<Path> dataDir, boolean allowPrivateSet) {
    var settings = allowPrivateSet ? fromEnv : fromEnv.withAllowPrivate(true);
    if (settings.key().isPresent()) {
      return settings;
    }
    return settings.withKey(
        dataDir
            .map(dir -> keyFile(dir.resolveSibling("webhooks.key")))
            .orElseGet(DemoWebhooks::randomKey));
  }

  private static byte[] randomKey() {
    var key = new byte[32];
    new SecureRandom().nextBytes(key);
    return key;
  }

  private static byte[] keyFile(Path file) {
    try {
      if (Files.exists(file)) {
        return Base64.getDecoder().decode(Files.readString(file).trim());
      }
      var key = randomKey();
      Files.writeString(file, Base64.getEncoder().encodeToString(key));
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system; the file stays as created
      }
      return key;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the demo's webhook key in " + file, e);
    }
  }

  /** Starts a receiver on a free local port and registers it for invoice events. */
  static WebhookReceiver startReceiver(Jdbi jdbi, SecretBox box, Clock clock) {
    var secret = WebhookSecret.generate();
    var receiver =
        WebhookReceiver.start(
                "127.0.0.1",
                0,
                DemoWebhooks::print,
                r -> System.out.println("webhook receiver: REFUSED " + r))
            .secret(secret.reveal());
    var url = "http://127.0.0.1:" + receiver.port() + "/webhooks";
    var endpoint =
        jdbi.inTransaction(
            h ->
                Endpoints.create(
                    h,
                    url,
                    "charon demo --webhook-receiver",
                    List.of(
                        "invoice.paid",
                        "invoice.payment_failed",
                        "invoice.action_required",
                        "billing_run.finished"),
                    box.seal(secret),
                    "demo",
                    clock.instant()));
    System.out.printf(
        "  webhooks endpoint %d -> %s (secret %s); verified deliveries print below%n",
        endpoint.id(), url, secret.reveal());
    return receiver;
  }

  public static void print(WebhookReceiver.Received r) {
    System.out.printf(
        "webhook verified%s: %s %s webhook-id=%s (%d signature%s)%n",
        r.duplicate() ? " (again)" : "",
        r.type(),
        r.subject(),
        r.id(),
        r.signatures(),
        r.signatures() == 1 ? "" : "s");
  }
}
