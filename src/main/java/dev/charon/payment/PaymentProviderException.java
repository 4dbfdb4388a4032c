package dev.charon.payment;

import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.domain.RefundRequest;

/**
 * The provider rejected a request as malformed or as a reuse of an idempotency key with other
 * parameters: a bug in Charon, not a provider outcome, so it is thrown rather than returned.
 */
public final class PaymentProviderException extends RuntimeException {
  private final long invoiceId;
  private final String idempotencyKey;
  private final int status;

  public PaymentProviderException(String problem, ChargeRequest request, int status, String body) {
    this(problem, request.invoiceId(), request.idempotencyKey(), status, body);
  }

  public PaymentProviderException(String problem, RefundRequest request, int status, String body) {
    this(problem, request.invoiceId(), request.idempotencyKey(), status, body);
  }

  private PaymentProviderException(
      String problem, long invoiceId, String idempotencyKey, int status, String body) {
    super(
        "%s (invoice %d, idempotency key %s, HTTP %d): %s"
            .formatted(problem, invoiceId, idempotencyKey, status, abbreviate(body)));
    this.invoiceId = invoiceId;
    this.idempotencyKey = idempotencyKey;
    this.status = status;
  }

  public long invoiceId() {
    return invoiceId;
  }

  public String idempotencyKey() {
    return idempotencyKey;
  }

  /** The HTTP status, or 0 when the provider is in-process. */
  public int status() {
    return status;
  }

  private static String abbreviate(String body) {
    return body == null || body.length() <= 500
        ? String.valueOf(body)
        : body.substring(0, 500) + "...";
  }
}
