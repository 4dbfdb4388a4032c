package dev.charon.webhooks;

import java.time.Duration;
import java.util.Optional;

/** What one delivery attempt came to. Only a 2xx is delivered; a 410 also disables the endpoint. */
sealed interface AttemptResult {
  Integer status();

  int latencyMs();

  String error();

  record Delivered(Integer status, int latencyMs) implements AttemptResult {
    @Override
    public String error() {
      return null;
    }
  }

  record Gone(Integer status, int latencyMs) implements AttemptResult {
    @Override
    public String error() {
      return "410 Gone: the receiver asked for no more deliveries; endpoint disabled";
    }
  }

  /** Anything else; {@code status} is null when no response came (refused, timeout, connection). */
  record Failed(Integer status, int latencyMs, String error, Optional<Duration> retryAfter)
      implements AttemptResult {}
}
