package dev.charon.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.MimeTypes;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's hot path (issue 26): {@code POST /charges} answered by a plain Jetty handler in
 * front of Javalin, so a charge call costs no servlet request, no Javalin context, no routing and
 * no buffer copies; every other request (and any {@code /charges} this does not take, such as
 * {@code /charges/} or a GET) goes on to Javalin unchanged. The protocol is {@link
 * ChargeHandler}'s, shared with Javalin's route: same bodies, headers, status codes and error
 * format.
 */
final class ChargePath extends Handler.Wrapper {
  private static final Logger log = LoggerFactory.getLogger(ChargePath.class);
  private static final int MAX_BODY = 4_096;

  private final ChargeHandler charges;
  private final ObjectMapper json;

  ChargePath(ChargeHandler charges, ObjectMapper json) {
    this.charges = charges;
    this.json = json;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    if (!HttpMethod.POST.is(request.getMethod())
        || !"/charges".equals(request.getHttpURI().getPath())) {
      return super.handle(request, response, callback);
    }
    ChargeHandler.Answer answer;
    try {
      answer =
          charges.charge(request.getHeaders().get(ChargeHandler.KEY_HEADER), () -> body(request));
    } catch (GatewayError e) {
      e.headers().forEach((name, value) -> response.getHeaders().put(name, value));
      write(response, callback, e.status(), error(e.code(), e.getMessage()));
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw e;
    } catch (RuntimeException e) {
      log.error("unhandled error on POST /charges", e);
      write(response, callback, 500, error("internal_error", "the gateway failed; it is logged"));
      return true;
    }
    if (answer.dropped()) {
      ChargeHandler.dropConnection(request.getConnectionMetaData().getConnection().getEndPoint());
      callback.failed(new IOException("simulated timeout: response dropped"));
      return true;
    }
    if (answer.replayed()) {
      response.getHeaders().put("Idempotent-Replayed", "true");
    }
    write(response, callback, answer.status(), answer.body());
    return true;
  }

  private static byte[] body(Request request) {
    byte[] bytes;
    try (InputStream in = Content.Source.asInputStream(request)) {
      bytes = in.readNBytes(MAX_BODY + 1);
    } catch (IOException e) {
      throw GatewayError.badRequest(
          "invalid_body", "the body could not be read: " + e.getMessage());
    }
    if (bytes.length > MAX_BODY) {
      throw new GatewayError(
          413, "body_too_large", "a request body is at most " + MAX_BODY + " bytes");
    }
    return bytes;
  }

  private byte[] error(String code, String message) {
    var body = new LinkedHashMap<String, Object>();
    body.put("outcome", "error");
    body.put("code", code);
    body.put("message", message);
    try {
      return json.writeValueAsBytes(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void write(Response response, Callback callback, int status, byte[] body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, MimeTypes.Type.APPLICATION_JSON.asString());
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }
}
