package dev.charon.testing;

import com.stripe.net.Webhook;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stripe webhook deliveries for tests: event bodies shaped as Stripe sends them (an {@code event}
 * with {@code data.object}) and their {@code Stripe-Signature} header, computed with stripe-java's
 * own HMAC helper ({@code t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">}).
 */
public final class StripeEvents {
  public static final String SECRET = "whsec_charon_test_secret_0123456789";
  private static final AtomicLong IDS = new AtomicLong();

  private StripeEvents() {}

  /** A fresh event id. */
  public static String eventId() {
    return "evt_test_" + System.nanoTime() + "_" + IDS.incrementAndGet();
  }

  public static String event(String id, String type, String object) {
    return """
        {"id":"%s","object":"event","api_version":"2024-06-20","created":%d,"livemode":false,
         "pending_webhooks":1,"type":"%s","data":{"object":%s}}"""
        .formatted(id, Instant.now().getEpochSecond(), type, object);
  }

  /** A refund made at Stripe (in the dashboard: no Charon metadata). */
  public static String refund(String refundId, String chargeId, long amount, String currency) {
    return """
        {"id":"%s","object":"refund","amount":%d,"charge":"%s","created":%d,"currency":"%s",
         "metadata":{},"payment_intent":null,"reason":"requested_by_customer","status":"succeeded"}"""
        .formatted(refundId, amount, chargeId, Instant.now().getEpochSecond(), currency);
  }

  public static String dispute(
      String disputeId, String chargeId, long amount, String currency, String status) {
    return """
        {"id":"%s","object":"dispute","amount":%d,"charge":"%s","created":%d,"currency":"%s",
         "metadata":{},"payment_intent":null,"reason":"fraudulent","status":"%s"}"""
        .formatted(disputeId, amount, chargeId, Instant.now().getEpochSecond(), currency, status);
  }

  /** The header Stripe sends with {@code payload}, signed at {@code at}. */
  public static String signature(String payload, String secret, Instant at) {
    try {
      long t = at.getEpochSecond();
      return "t=" + t + ",v1=" + Webhook.Util.computeHmacSha256(secret, t + "." + payload);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String signature(String payload) {
    return signature(payload, SECRET, Instant.now());
  }
}
