package dev.charon.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts endpoint secrets at rest with AES-256-GCM under {@code CHARON_WEBHOOKS_KEY}, so a
 * database reader (a backup, a reporting user, a leaked dump) cannot sign deliveries. Stored form:
 * a 12-byte random nonce followed by the ciphertext and its tag.
 */
public final class SecretBox {
  private static final int NONCE = 12;
  private static final byte[] CONTEXT = "charon webhook secret v1".getBytes(StandardCharsets.UTF_8);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;

  public SecretBox(byte[] key) {
    if (key.length != 32) {
      throw new IllegalArgumentException("an AES-256 key has 32 bytes, not " + key.length);
    }
    this.key = new SecretKeySpec(key.clone(), "AES");
  }

  public byte[] seal(WebhookSecret secret) {
    var nonce = new byte[NONCE];
    RANDOM.nextBytes(nonce);
    try {
      var cipher = cipher(Cipher.ENCRYPT_MODE, nonce);
      var sealed = cipher.doFinal(secret.key());
      var out = Arrays.copyOf(nonce, NONCE + sealed.length);
      System.arraycopy(sealed, 0, out, NONCE, sealed.length);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot encrypt a webhook secret", e);
    }
  }

  /** The secret, or an exception when the stored bytes were sealed under another key. */
  public WebhookSecret open(byte[] stored) {
    try {
      var cipher = cipher(Cipher.DECRYPT_MODE, Arrays.copyOf(stored, NONCE));
      return WebhookSecret.ofKey(cipher.doFinal(stored, NONCE, stored.length - NONCE));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(
          "a stored webhook secret does not open with CHARON_WEBHOOKS_KEY (was the key changed?)",
          e);
    }
  }

  private Cipher cipher(int mode, byte[] nonce) throws GeneralSecurityException {
    var cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(mode, key, new GCMParameterSpec(128, nonce));
    cipher.updateAAD(CONTEXT);
    return cipher;
  }
}
