package dev.charon.config;

/**
 * Where the REST API listens: {@code CHARON_HTTP_HOST} (default 0.0.0.0), {@code CHARON_HTTP_PORT}
 * (7000).
 */
public record HttpSettings(String host, int port) {
  public static HttpSettings from(Env env) {
    return new HttpSettings(
        env.string("CHARON_HTTP_HOST", "0.0.0.0"), env.integer("CHARON_HTTP_PORT", 7000, 0, 65535));
  }

  public HttpSettings withPort(int newPort) {
    return new HttpSettings(host, newPort);
  }
}
