package dev.charon.payment.domain;

import dev.charon.money.Money;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Idempotency keys for provider calls, derived rather than drawn: HMAC-SHA256 under the database
 * lineage's secret (table {@code lineage}) over what the call does. The same attempt of the same
 * invoice for the same money gets the same key in every process and after the database lost its
 * last seconds (a promoted asynchronous standby, a point-in-time restore): the attempt is recreated
 * with its number, and the provider replays the first answer instead of charging again. The money
 * is in the key, so an invoice id reused for other money never replays another result, and the
 * secret is in the key, so two deployments never collide at a provider they share.
 *
 * <p>The invoice and the number stay readable in front ({@code inv42-att1-...}) for operators
 * searching a provider's dashboard; the MAC is cut to 128 bits, which keeps a collision out of
 * reach and the key short.
 */
public final class IdempotencyKeys {
  private static final HexFormat HEX = HexFormat.of();
  private final Mac prototype;

  public IdempotencyKeys(String secret) {
    if (secret == null || secret.length() < 32) {
      throw new IllegalArgumentException("a lineage secret has at least 32 characters");
    }
    try {
      prototype = Mac.getInstance("HmacSHA256");
      prototype.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  /** The key of charge attempt {@code attempt} (1, 2, ...) of an invoice, for what it charges. */
  public String charge(long invoiceId, int attempt, long customerId, Money amount) {
    return "inv"
        + invoiceId
        + "-att"
        + attempt
        + "-"
        + mac("charge", invoiceId, attempt, customerId, amount);
  }

  /** The key of refund {@code refund} (1, 2, ... per invoice) of an invoice, for its amount. */
  public String refund(long invoiceId, int refund, long customerId, Money amount) {
    return "inv"
        + invoiceId
        + "-ref"
        + refund
        + "-"
        + mac("refund", invoiceId, refund, customerId, amount);
  }

  private String mac(String kind, long invoiceId, int number, long customerId, Money amount) {
    var text =
        kind
            + '\n'
            + invoiceId
            + '\n'
            + number
            + '\n'
            + customerId
            + '\n'
            + amount.minorUnits()
            + '\n'
            + amount.currency().name();
    Mac mac;
    try {
      mac = (Mac) prototype.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("the JDK's HmacSHA256 can be cloned", e);
    }
    var digest = mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
    return HEX.formatHex(digest, 0, 16);
  }
}
