package dev.charon.refund.domain;

/** Where a refund stands. Mirrors the check constraint on refund.status (V70). */
public enum RefundStatus {
  /** Reserved against the invoice, its key written; never sent to the provider. */
  REQUESTED,
  /** Sent (or about to be) and its outcome not known yet: it is sent again with the same key. */
  UNKNOWN,
  /** The provider refunded it. */
  SUCCEEDED,
  /** The provider refused it; its reservation is released. */
  FAILED;

  /** True while the refund still holds its amount against the invoice. */
  public boolean reserves() {
    return this != FAILED;
  }
}
