package dev.charon.audit;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * A provider's own record of its successful charges, the truth the audit reconciles against. One
 * implementation per provider (the gateway's ledger API; Stripe's charge list), each read after the
 * audit's database snapshot was taken.
 */
public interface ProviderLedger {

  /**
   * One successful charge as the provider recorded it. {@code key}: the idempotency key it was made
   * with, which names Charon's attempt; {@code invoiceId}: the invoice it was for (the provider's
   * metadata); {@code created}: when the provider made it, on the provider's clock.
   */
  record Charge(
      String key,
      long invoiceId,
      String chargeId,
      long amountMinor,
      String currency,
      Instant created) {}

  /** Streams every successful charge to {@code sink}, a page at a time. */
  void forEachPage(Consumer<List<Charge>> sink) throws IOException, InterruptedException;

  /**
   * One successful refund as the provider recorded it. {@code key}: the idempotency key, null for a
   * refund made at the provider outside Charon (an operator in the dashboard); {@code invoiceId}:
   * the invoice from the provider's metadata, 0 when the refund has none (the audit then finds it
   * through its charge).
   */
  record Refund(
      String refundId,
      String chargeId,
      long invoiceId,
      String key,
      long amountMinor,
      String currency,
      Instant created) {}

  /** A dispute the merchant lost: its amount left the merchant's books. */
  record LostDispute(
      String disputeId, String chargeId, long invoiceId, long amountMinor, String currency) {}

  /** Streams every successful refund to {@code sink}, a page at a time. */
  void forEachRefundPage(Consumer<List<Refund>> sink) throws IOException, InterruptedException;

  /** Every dispute on the account that ended lost. */
  List<LostDispute> lostDisputes() throws IOException, InterruptedException;
}
