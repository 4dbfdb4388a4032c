package dev.charon.payment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * A provider reached over HTTP with the {@code charon gateway} API. The one question every failure
 * must answer is whether the charge can have happened: if not, {@link ChargeOutcome.Unavailable};
 * if perhaps, {@link ChargeOutcome.Unknown}, and the caller asks again with the same idempotency
 * key.
 */
public final class HttpPaymentProvider implements PaymentProvider, AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI chargesUrl;
  private final Duration requestTimeout;
  private final HttpClient client;

  public HttpPaymentProvider(URI baseUrl, Duration connectTimeout, Duration requestTimeout) {
    this.chargesUrl = URI.create(baseUrl.toString().replaceAll("/+$", "") + "/charges");
    this.requestTimeout = requestTimeout;
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(connectTimeout)
            .build();
  }

  @Override
  public ChargeOutcome charge(ChargeRequest request) {
    var http =
        HttpRequest.newBuilder(chargesUrl)
            .timeout(requestTimeout)
            .header("Idempotency-Key", request.idempotencyKey())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body(request)))
            .build();
    HttpResponse<String> response;
    try {
      response = client.send(http, HttpResponse.BodyHandlers.ofString());
    } catch (HttpConnectTimeoutException e) { // a subclass of HttpTimeoutException: catch it first
      // Not proof that nothing was processed: under load the JDK client has reported connect
      // timeouts for requests the provider did receive and charge (found by bench/run.sh, 28
      // double charges). Reconcile with the same key instead of charging afresh.
      return new ChargeOutcome.Unknown("connect timeout: " + e.getMessage());
    } catch (ConnectException e) {
      // The TCP connect itself failed (refused, no route): no request bytes left this process.
      return new ChargeOutcome.Unavailable("cannot connect to " + chargesUrl + ": " + e);
    } catch (HttpTimeoutException e) {
      return new ChargeOutcome.Unknown("no response within " + requestTimeout);
    } catch (IOException e) {
      return new ChargeOutcome.Unknown("connection failed after the request was sent: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new ChargeOutcome.Unknown("interrupted while waiting for the provider");
    }
    return outcome(request, response.statusCode(), response.body());
  }

  static ChargeOutcome outcome(ChargeRequest request, int status, String body) {
    var json = parse(body);
    var outcome = json.path("outcome").asText("");
    var code = json.path("code").asText("");
    return switch (status) {
      case 201 -> {
        var chargeId = json.path("chargeId").asText("");
        if (chargeId.isEmpty()) {
          throw new PaymentProviderException("charged without a chargeId", request, status, body);
        }
        yield new ChargeOutcome.Charged(chargeId);
      }
      case 402 -> new ChargeOutcome.Declined(json.path("reason").asText("declined"));
      case 422 ->
          switch (outcome) {
            case "customer_not_found" -> new ChargeOutcome.CustomerNotFound(detail(json, outcome));
            case "currency_mismatch" -> new ChargeOutcome.CurrencyMismatch(detail(json, outcome));
            default ->
                throw new PaymentProviderException(
                    "request rejected (" + code + ")", request, status, body);
          };
      case 409 ->
          new ChargeOutcome.Unknown("the provider is still processing this key (" + code + ")");
      // Only the provider's own refusals say "nothing was processed"; a 503 from a proxy in front
      // of it may come after the request was forwarded, so it is reconciled like any 5xx.
      case 503 ->
          switch (code) {
            case "outage", "network_error" ->
                new ChargeOutcome.Unavailable("provider unavailable (" + code + ")");
            default ->
                new ChargeOutcome.Unknown(
                    "HTTP 503 without the provider's refusal code (" + code + ")");
          };
      default -> {
        if (status >= 500) {
          yield new ChargeOutcome.Unknown(
              "provider failed with HTTP " + status + " (" + code + ")");
        }
        throw new PaymentProviderException("unexpected response", request, status, body);
      }
    };
  }

  private static String detail(JsonNode json, String fallback) {
    return json.path("message").asText(fallback);
  }

  private static JsonNode parse(String body) {
    try {
      return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (JsonProcessingException e) {
      return JSON.createObjectNode(); // a proxy's HTML error page: the status code still decides
    }
  }

  private static byte[] body(ChargeRequest request) {
    var node =
        JSON.createObjectNode()
            .put("invoiceId", request.invoiceId())
            .put("customerId", request.customerId())
            .put("amountMinor", request.amount().minorUnits())
            .put("currency", request.amount().currency().name());
    try {
      return JSON.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serializes", e);
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
