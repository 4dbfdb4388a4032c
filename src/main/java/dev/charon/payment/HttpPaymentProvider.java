package dev.charon.payment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.payment.domain.RefundRequest;
import dev.charon.payment.domain.Throttle;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A provider reached over HTTP with the {@code charon gateway} API. The one question every failure
 * must answer is whether the charge can have happened: if not, {@link ChargeOutcome.Unavailable};
 * if perhaps, {@link ChargeOutcome.Unknown}, and the caller asks again with the same idempotency
 * key.
 *
 * <p>Jetty 12's client (the version Javalin's server brings), with a keep-alive pool of as many
 * connections as the worker has charges in flight: the JDK {@code HttpClient} cost 561-633 CPU-µs
 * per call in the worker and made the gateway spend twice as much per call as this client does
 * (bench {@code clients} scenario, bench/analysis.md).
 */
public final class HttpPaymentProvider implements PaymentProvider, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpPaymentProvider.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Connections when the caller does not say how many charges it runs at once (the default). */
  public static final int DEFAULT_CONNECTIONS = 64;

  private final String chargesUrl;
  private final URI chargesUri; // parsed once: a String would be parsed again on every call
  private final URI refundsUri;
  private final Duration requestTimeout;
  private final HttpClient client;

  public HttpPaymentProvider(URI baseUrl, Duration connectTimeout, Duration requestTimeout) {
    this(baseUrl, connectTimeout, requestTimeout, DEFAULT_CONNECTIONS);
  }

  /**
   * @param connections the keep-alive pool's size: the most calls this client makes at once (the
   *     worker's concurrency). More calls than that wait in Jetty's queue, inside their timeout.
   */
  public HttpPaymentProvider(
      URI baseUrl, Duration connectTimeout, Duration requestTimeout, int connections) {
    if (connections < 1) {
      throw new IllegalArgumentException("connections must be >= 1, was " + connections);
    }
    this.chargesUrl = baseUrl.toString().replaceAll("/+$", "") + "/charges";
    this.chargesUri = URI.create(chargesUrl);
    this.refundsUri = URI.create(baseUrl.toString().replaceAll("/+$", "") + "/refunds");
    this.requestTimeout = requestTimeout;
    var threads = new QueuedThreadPool();
    threads.setName("provider-http");
    threads.setDaemon(true);
    client = new HttpClient();
    client.setExecutor(threads);
    client.setConnectTimeout(connectTimeout.toMillis());
    // Never fail a call that is still inside its own timeout for being quiet on the wire, and
    // otherwise close an idle connection before a Jetty server's 30 s default does: a request sent
    // on a connection the server is closing can only end as Unknown.
    client.setIdleTimeout(Math.max(20_000, requestTimeout.toMillis() + 1_000));
    client.setMaxConnectionsPerDestination(connections);
    client.setMaxRequestsQueuedPerDestination(Math.max(1_024, 4 * connections));
    client.setFollowRedirects(false); // a redirect is an unexpected answer, as it always was
    client.setUserAgentField(null);
    try {
      client.start();
    } catch (Exception e) {
      throw new IllegalStateException("the provider's HTTP client did not start", e);
    }
    log.info(
        "provider client for {}: Jetty HttpClient, up to {} keep-alive connections, connect timeout {} ms, request timeout {} ms",
        chargesUrl,
        connections,
        connectTimeout.toMillis(),
        requestTimeout.toMillis());
  }

  @Override
  public ChargeOutcome charge(ChargeRequest request) {
    ContentResponse response;
    try {
      response =
          client
              .newRequest(chargesUri)
              .method(HttpMethod.POST)
              .timeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
              .headers(h -> h.put("Idempotency-Key", request.idempotencyKey()))
              .body(new BytesRequestContent("application/json", body(request)))
              .send();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new ChargeOutcome.Unknown("interrupted while waiting for the provider");
    } catch (TimeoutException e) {
      return new ChargeOutcome.Unknown("no response within " + requestTimeout);
    } catch (ExecutionException e) {
      return failed(e.getCause() != null ? e.getCause() : e);
    }
    if (response.getStatus() == 429) {
      return ChargeOutcome.Unavailable.throttled(
          "provider rate limit (HTTP 429)", throttle(response));
    }
    return outcome(request, response.getStatus(), response.getContentAsString());
  }

  /**
   * The gateway protocol's 429 (docs/gateway.md): refused for the provider's rate limit before
   * anything was processed, so the same key may be sent again after {@code Retry-After}.
   */
  private static Throttle throttle(ContentResponse response) {
    return Throttle.fromRetryAfter(response.getHeaders().get("Retry-After"));
  }

  /**
   * {@code POST /refunds}: every failure answers "could it have been refunded?" by the same rules
   * as a charge, since the transport is the same.
   */
  @Override
  public RefundOutcome refund(RefundRequest request) {
    ContentResponse response;
    try {
      response =
          client
              .newRequest(refundsUri)
              .method(HttpMethod.POST)
              .timeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
              .headers(h -> h.put("Idempotency-Key", request.idempotencyKey()))
              .body(new BytesRequestContent("application/json", GatewayRefundAnswers.body(request)))
              .send();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new RefundOutcome.Unknown("interrupted while waiting for the provider");
    } catch (TimeoutException e) {
      return new RefundOutcome.Unknown("no response within " + requestTimeout);
    } catch (ExecutionException e) {
      return GatewayRefundAnswers.failed(failed(e.getCause() != null ? e.getCause() : e));
    }
    var outcome =
        response.getStatus() == 429
            ? RefundOutcome.Unavailable.throttled(
                "provider rate limit (HTTP 429)", throttle(response))
            : GatewayRefundAnswers.outcome(
                request, response.getStatus(), response.getContentAsString());
    log.info(
        "refund of {} on charge {} for invoice {} (key {}): {}",
        request.amount(),
        request.chargeReference(),
        request.invoiceId(),
        request.idempotencyKey(),
        outcome);
    return outcome;
  }

  /** A call that got no answer: could the provider have charged it? */
  private ChargeOutcome failed(Throwable cause) {
    return switch (cause) {
      // The TCP connect itself failed (refused, no route, no such host) or Jetty refused to queue
      // the call: no request bytes left this process.
      case ConnectException e ->
          new ChargeOutcome.Unavailable("cannot connect to " + chargesUrl + ": " + e);
      case UnknownHostException e ->
          new ChargeOutcome.Unavailable("cannot connect to " + chargesUrl + ": " + e);
      case UnresolvedAddressException e ->
          new ChargeOutcome.Unavailable("cannot connect to " + chargesUrl + ": " + e);
      case RejectedExecutionException e ->
          new ChargeOutcome.Unavailable("the call was not queued: " + e.getMessage());
      // Not proof that nothing was processed: under load the JDK client reported connect timeouts
      // for requests the provider did receive and charge (found by bench/run.sh, 28 double
      // charges). Kept as unknown with this client too: reconcile with the same key.
      case SocketTimeoutException e -> new ChargeOutcome.Unknown("connect timeout: " + e);
      case TimeoutException e -> new ChargeOutcome.Unknown("no response within " + requestTimeout);
      case IOException e ->
          new ChargeOutcome.Unknown("connection failed after the request was sent: " + e);
      default -> new ChargeOutcome.Unknown("the call failed: " + cause);
    };
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

  // Written by hand, not through a Jackson tree built per call: three numbers and a currency code
  // (an enum constant, [A-Z]{3}) need no escaping. HttpPaymentProviderTest reads it back as JSON.
  static byte[] body(ChargeRequest request) {
    return ("{\"invoiceId\":"
            + request.invoiceId()
            + ",\"customerId\":"
            + request.customerId()
            + ",\"amountMinor\":"
            + request.amount().minorUnits()
            + ",\"currency\":\""
            + request.amount().currency().name()
            + "\"}")
        .getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public void close() {
    try {
      client.stop();
    } catch (Exception e) {
      log.warn("provider client did not stop cleanly: {}", e.toString());
    }
  }
}
