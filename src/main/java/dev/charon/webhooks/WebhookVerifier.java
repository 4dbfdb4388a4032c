package dev.charon.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies a Standard Webhooks 1.0 delivery as a receiver should: copy this class into your own
 * service (it needs only the JDK). Give it the endpoint's secret ({@code whsec_...}) and, for each
 * request, the raw body bytes exactly as received (never a re-serialised JSON) and the {@code
 * webhook-id}, {@code webhook-timestamp} and {@code webhook-signature} headers.
 *
 * <pre>{@code
 * var verifier = new WebhookVerifier(System.getenv("CHARON_WEBHOOK_SECRET"));
 * verifier.verify(headers.get("webhook-id"), headers.get("webhook-timestamp"),
 *     headers.get("webhook-signature"), body); // throws WebhookVerifier.Invalid
 * // then deduplicate on webhook-id: a delivery can come more than once
 * }</pre>
 *
 * The signature is {@code base64(HMAC-SHA256(key, id + "." + timestamp + "." + body))} where the
 * key is the base64 part of the secret after {@code whsec_}. The header may carry several
 * space-separated {@code v1,<signature>} entries (during a secret rotation both secrets sign): one
 * match is enough. A timestamp further than the tolerance (5 minutes) from now is refused, so a
 * captured request cannot be replayed later.
 */
public final class WebhookVerifier {
  /** The request is not a genuine, fresh delivery for this secret. */
  public static final class Invalid extends Exception {
    public Invalid(String message) {
      super(message);
    }
  }

  public static final Duration TOLERANCE = Duration.ofMinutes(5);
  private static final String PREFIX = "whsec_";

  private final byte[] key;
  private final Clock clock;

  /**
   * The receiver's side checks the signature's timestamp against its own real clock (the dispatcher
   * stamps real time even on a test clock).
   */
  public WebhookVerifier(String secret) {
    this(secret, Clock.systemUTC());
  }

  public WebhookVerifier(String secret, Clock clock) {
    if (secret == null || secret.isBlank()) {
      throw new IllegalArgumentException("a webhook secret is required");
    }
    var encoded = secret.startsWith(PREFIX) ? secret.substring(PREFIX.length()) : secret;
    this.key = Base64.getDecoder().decode(encoded);
    this.clock = clock;
  }

  /** Returns normally only when one of the signatures matches and the timestamp is fresh. */
  public void verify(String id, String timestamp, String signatureHeader, byte[] body)
      throws Invalid {
    if (id == null || timestamp == null || signatureHeader == null) {
      throw new Invalid("missing webhook-id, webhook-timestamp or webhook-signature header");
    }
    long seconds;
    try {
      seconds = Long.parseLong(timestamp.trim());
    } catch (NumberFormatException e) {
      throw new Invalid("webhook-timestamp is not a number of seconds");
    }
    var sent = Instant.ofEpochSecond(seconds);
    var now = clock.instant();
    if (sent.isBefore(now.minus(TOLERANCE)) || sent.isAfter(now.plus(TOLERANCE))) {
      throw new Invalid(
          "webhook-timestamp "
              + seconds
              + " is outside the tolerance of "
              + TOLERANCE.toMinutes()
              + " minutes");
    }
    var expected = sign(key, id, seconds, body);
    for (var entry : signatureHeader.trim().split(" ")) {
      int comma = entry.indexOf(',');
      if (comma > 0 && entry.substring(0, comma).equals("v1")) {
        var given = entry.substring(comma + 1).getBytes(StandardCharsets.US_ASCII);
        if (MessageDigest.isEqual(given, expected.getBytes(StandardCharsets.US_ASCII))) {
          return;
        }
      }
    }
    throw new Invalid("no v1 signature in webhook-signature matches this secret");
  }

  /** The base64 HMAC-SHA256 of {@code id.timestamp.body}. */
  static String sign(byte[] key, String id, long timestamp, byte[] body) {
    try {
      var mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().encodeToString(mac.doFinal(body));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
