package dev.charon.gateway;

import dev.charon.config.Env;
import java.nio.file.Path;

/**
 * Where the gateway listens and keeps its journal: {@code CHARON_GATEWAY_HOST} (default 0.0.0.0),
 * {@code CHARON_GATEWAY_PORT} (default 7070), {@code CHARON_GATEWAY_STATE} (default {@code
 * ${java.io.tmpdir}/charon/gateway-journal.jsonl}); signed events to {@code
 * CHARON_GATEWAY_EVENTS_URL} with {@code CHARON_GATEWAY_EVENTS_SECRET} (both unset: none).
 */
public record GatewaySettings(
    String host,
    int port,
    Path journal,
    java.util.Optional<java.net.URI> eventsUrl,
    java.util.Optional<String> eventsSecret) {
  public static GatewaySettings from(Env env) {
    return new GatewaySettings(
        env.string("CHARON_GATEWAY_HOST", "0.0.0.0"),
        env.integer("CHARON_GATEWAY_PORT", 7070, 0, 65535),
        env.optional("CHARON_GATEWAY_STATE")
            .map(Path::of)
            .orElseGet(
                () ->
                    Path.of(
                        System.getProperty("java.io.tmpdir"), "charon", "gateway-journal.jsonl")),
        env.optional("CHARON_GATEWAY_EVENTS_URL").map(GatewaySettings::uri),
        env.optional("CHARON_GATEWAY_EVENTS_SECRET"));
  }

  private static java.net.URI uri(String raw) {
    try {
      return java.net.URI.create(raw);
    } catch (IllegalArgumentException e) {
      throw new dev.charon.config.ConfigException(
          "CHARON_GATEWAY_EVENTS_URL: '" + raw + "' is not a URL");
    }
  }
}
