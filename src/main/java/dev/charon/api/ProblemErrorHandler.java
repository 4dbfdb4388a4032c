package dev.charon.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error responses (requests it refuses before Javalin sees them: an ambiguous or
 * malformed URI, a bad header) as RFC 9457 problem+json instead of Jetty's HTML page, without stack
 * traces.
 */
final class ProblemErrorHandler extends ErrorHandler {
  private final ObjectMapper json;

  ProblemErrorHandler(ObjectMapper json) {
    this.json = json;
  }

  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int code,
      String message,
      Throwable cause,
      Callback callback) {
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problem.CONTENT_TYPE);
    response.write(
        true, ByteBuffer.wrap(body(code, message, request.getHttpURI().getPath())), callback);
  }

  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(HttpHeader.CONTENT_TYPE, Problem.CONTENT_TYPE);
    return ByteBuffer.wrap(body(status, reason, null));
  }

  private byte[] body(int status, String message, String path) {
    var title = org.eclipse.jetty.http.HttpStatus.getMessage(status);
    var detail =
        message == null || message.isBlank()
            ? "The server refused the request: " + title
            : "The server refused the request: " + message;
    try {
      return json.writeValueAsBytes(
          new Problem("about:blank", title, status, detail, path, List.of()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("problem details must serialize", e);
    }
  }
}
