package dev.charon.testing;

import dev.charon.payment.PaymentProvider;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.payment.domain.RefundRequest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A fake provider (the provider is outside the system) that answers from a script and, like a real
 * one, replays the stored result of a key it has processed. {@code Unknown} in the script means
 * "processed the next scripted result but lost the response".
 */
public final class ScriptedProvider implements PaymentProvider {
  private final Deque<ChargeOutcome> script = new ArrayDeque<>();
  private final Map<String, ChargeOutcome> stored = new ConcurrentHashMap<>();
  private final List<ChargeRequest> calls = new ArrayList<>();
  private final Deque<RefundOutcome> refundScript = new ArrayDeque<>();
  private final Map<String, RefundOutcome> storedRefunds = new ConcurrentHashMap<>();
  private final List<RefundRequest> refundCalls = new ArrayList<>();
  private RuntimeException crashAfterProcessing;

  public synchronized ScriptedProvider then(ChargeOutcome... outcomes) {
    script.addAll(List.of(outcomes));
    return this;
  }

  /** The next call is processed and stored, then the caller "crashes" with this exception. */
  public synchronized ScriptedProvider crashAfterProcessing(RuntimeException e) {
    crashAfterProcessing = e;
    return this;
  }

  @Override
  public synchronized ChargeOutcome charge(ChargeRequest request) {
    calls.add(request);
    var replay = stored.get(request.idempotencyKey());
    if (replay != null) {
      return replay;
    }
    var next =
        script.isEmpty()
            ? new ChargeOutcome.Charged("ch_default_" + request.invoiceId())
            : script.poll();
    if (next instanceof ChargeOutcome.Unknown) {
      var processed =
          script.isEmpty()
              ? new ChargeOutcome.Charged("ch_" + request.idempotencyKey())
              : script.poll();
      stored.put(request.idempotencyKey(), processed);
      return next;
    }
    if (!(next instanceof ChargeOutcome.Unavailable)) {
      stored.put(request.idempotencyKey(), next);
    }
    if (crashAfterProcessing != null) {
      var e = crashAfterProcessing;
      crashAfterProcessing = null;
      throw e;
    }
    return next;
  }

  /**
   * The next refund calls' answers, in order; {@code Unknown} means "processed the next scripted
   * answer (or a refund) but lost the response", as for charges. Without a script, refunds succeed.
   */
  public synchronized ScriptedProvider thenRefund(RefundOutcome... outcomes) {
    refundScript.addAll(List.of(outcomes));
    return this;
  }

  @Override
  public synchronized RefundOutcome refund(RefundRequest request) {
    refundCalls.add(request);
    var replay = storedRefunds.get(request.idempotencyKey());
    if (replay != null) {
      return replay;
    }
    var next =
        refundScript.isEmpty()
            ? new RefundOutcome.Refunded("re_" + request.idempotencyKey())
            : refundScript.poll();
    if (next instanceof RefundOutcome.Unknown) {
      var processed =
          refundScript.isEmpty()
              ? new RefundOutcome.Refunded("re_" + request.idempotencyKey())
              : refundScript.poll();
      storedRefunds.put(request.idempotencyKey(), processed);
      return next;
    }
    if (!(next instanceof RefundOutcome.Unavailable)) {
      storedRefunds.put(request.idempotencyKey(), next);
    }
    if (crashAfterProcessing != null) {
      var e = crashAfterProcessing;
      crashAfterProcessing = null;
      throw e;
    }
    return next;
  }

  public synchronized List<RefundRequest> refundCalls() {
    return List.copyOf(refundCalls);
  }

  /** How many distinct keys ended in a refund for the invoice: the provider's truth. */
  public synchronized long successfulRefunds(long invoiceId) {
    return storedRefunds.entrySet().stream()
        .filter(e -> e.getValue() instanceof RefundOutcome.Refunded)
        .filter(
            e ->
                refundCalls.stream()
                    .anyMatch(
                        c -> c.idempotencyKey().equals(e.getKey()) && c.invoiceId() == invoiceId))
        .count();
  }

  public synchronized List<ChargeRequest> calls() {
    return List.copyOf(calls);
  }

  /** How many distinct keys ended in a successful charge for the invoice: the provider's truth. */
  public long successfulCharges(long invoiceId) {
    return stored.entrySet().stream()
        .filter(e -> e.getValue() instanceof ChargeOutcome.Charged)
        .filter(
            e ->
                calls().stream()
                    .anyMatch(
                        c -> c.idempotencyKey().equals(e.getKey()) && c.invoiceId() == invoiceId))
        .count();
  }
}
