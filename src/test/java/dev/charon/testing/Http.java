package dev.charon.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.charon.api.HttpApi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** A small blocking HTTP client for tests that talk to a real server. */
public final class Http {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(5))
          .version(HttpClient.Version.HTTP_1_1)
          .build();
  private final String base;
  private final Map<String, String> headers;

  public Http(String base) {
    this(base, Map.of());
  }

  private Http(String base, Map<String, String> headers) {
    this.base = base;
    this.headers = Map.copyOf(headers);
  }

  /** The same client, sending {@code Authorization: Bearer key} with every request. */
  public Http bearer(String key) {
    return withHeader("Authorization", "Bearer " + key);
  }

  /** The same client, sending {@code name: value} with every request. */
  public Http withHeader(String name, String value) {
    var more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new Http(base, more);
  }

  /** A header this client sends with every request, or null. */
  public String headerValue(String name) {
    return headers.get(name);
  }

  public String base() {
    return base;
  }

  /** POSTs a JSON body. */
  public Response post(String path, String json) {
    return send("POST", path, json, "application/json");
  }

  /** A response with its body parsed as JSON when it is JSON. */
  public record Response(int status, HttpResponse<String> raw) {
    public JsonNode json() {
      try {
        return JSON.readTree(raw.body());
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + raw.body(), e);
      }
    }

    public String contentType() {
      return raw.headers().firstValue("Content-Type").orElse("");
    }

    public String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }

    public String body() {
      return raw.body();
    }
  }

  public Response get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  public Response send(String method, String path, String body, String contentType) {
    var builder =
        HttpRequest.newBuilder(URI.create(base + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      builder.header("Content-Type", contentType);
    }
    // A body over the server's limit is refused unread and the connection closed; a client still
    // uploading can lose the 413 to the reset. Asking first (Expect: 100-continue) lets it read it.
    builder.expectContinue(body != null && body.length() > HttpApi.MAX_BODY_BYTES);
    return send(builder);
  }

  public Response send(HttpRequest.Builder request) {
    try {
      headers.forEach(request::setHeader);
      var response =
          CLIENT.send(
              request.timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofString());
      return new Response(response.statusCode(), response);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
