package dev.charon.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class WebhookReceiverTest {
  @Test
  void the_try_it_receiver_accepts_genuine_deliveries_once_marks_repeats_and_refuses_forgeries()
      throws Exception {
    var secret = WebhookSecret.generate();
    List<WebhookReceiver.Received> received = new CopyOnWriteArrayList<>();
    List<String> refused = new CopyOnWriteArrayList<>();
    try (var receiver =
            WebhookReceiver.start("127.0.0.1", 0, received::add, refused::add)
                .secret(secret.reveal());
        var http = HttpClient.newHttpClient()) {
      var body =
          "{\"id\":\"e1\",\"type\":\"invoice.paid\",\"subject\":\"invoices/9\"}"
              .getBytes(StandardCharsets.UTF_8);
      long now = Instant.now().getEpochSecond();
      var genuine =
          secret.sign("e1", now, body) + " " + WebhookSecret.generate().sign("e1", now, body);
      assertThat(send(http, receiver.port(), "e1", now, genuine, body)).isEqualTo(204);
      assertThat(send(http, receiver.port(), "e1", now, genuine, body)).isEqualTo(204);
      assertThat(
              send(
                  http,
                  receiver.port(),
                  "e1",
                  now,
                  WebhookSecret.generate().sign("e1", now, body),
                  body))
          .isEqualTo(401);
      assertThat(
              send(
                  http,
                  receiver.port(),
                  "e1",
                  now - 3600,
                  secret.sign("e1", now - 3600, body),
                  body))
          .isEqualTo(401);
      assertThat(received)
          .extracting(WebhookReceiver.Received::duplicate)
          .containsExactly(false, true);
      assertThat(received.getFirst().type()).isEqualTo("invoice.paid");
      assertThat(received.getFirst().signatures()).isEqualTo(2);
      assertThat(refused).hasSize(2);
    }
  }

  private static int send(
      HttpClient http, int port, String id, long timestamp, String signature, byte[] body)
      throws Exception {
    var request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hooks"))
            .header("webhook-id", id)
            .header("webhook-timestamp", Long.toString(timestamp))
            .header("webhook-signature", signature)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
