package dev.charon.gateway;

/**
 * A request the gateway answers with an error: the HTTP status and a stable {@code code} that
 * clients switch on. Thrown by handlers, rendered in one place by {@link GatewayServer}.
 */
final class GatewayError extends RuntimeException {
  private final int status;
  private final String code;
  private java.util.Map<String, String> headers = java.util.Map.of();

  GatewayError(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  static GatewayError badRequest(String code, String message) {
    return new GatewayError(400, code, message);
  }

  /** A header sent with the error (e.g. {@code Retry-After} on a 429). */
  GatewayError withHeader(String name, String value) {
    var copy = new java.util.LinkedHashMap<>(headers);
    copy.put(name, value);
    headers = java.util.Map.copyOf(copy);
    return this;
  }

  java.util.Map<String, String> headers() {
    return headers;
  }

  int status() {
    return status;
  }

  String code() {
    return code;
  }
}
