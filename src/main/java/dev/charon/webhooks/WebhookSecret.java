package dev.charon.webhooks;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/** An endpoint's signing secret: 32 random bytes, shown to operators as {@code whsec_<base64>}. */
public final class WebhookSecret {
  static final String PREFIX = "whsec_";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] key;

  private WebhookSecret(byte[] key) {
    if (key.length < 24 || key.length > 64) {
      throw new IllegalArgumentException(
          "a Standard Webhooks secret has 24 to 64 bytes, not " + key.length);
    }
    this.key = key.clone();
  }

  public static WebhookSecret generate() {
    var key = new byte[32];
    RANDOM.nextBytes(key);
    return new WebhookSecret(key);
  }

  public static WebhookSecret ofKey(byte[] key) {
    return new WebhookSecret(key);
  }

  public static WebhookSecret parse(String text) {
    if (!text.startsWith(PREFIX)) {
      throw new IllegalArgumentException("a webhook secret starts with " + PREFIX);
    }
    return new WebhookSecret(Base64.getDecoder().decode(text.substring(PREFIX.length())));
  }

  byte[] key() {
    return key.clone();
  }

  /** The form shown once to the operator and used by receivers. */
  public String reveal() {
    return PREFIX + Base64.getEncoder().encodeToString(key);
  }

  /** A {@code v1,<base64>} signature of {@code id.timestamp.body}. */
  public String sign(String id, long timestamp, byte[] body) {
    return "v1," + WebhookVerifier.sign(key, id, timestamp, body);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof WebhookSecret s && Arrays.equals(key, s.key);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(key);
  }

  @Override
  public String toString() {
    return "WebhookSecret[hidden]";
  }
}
