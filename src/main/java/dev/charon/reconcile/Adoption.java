package dev.charon.reconcile;

import dev.charon.audit.ProviderLedger;

/** What adopting one provider charge came to. */
public sealed interface Adoption {

  ProviderLedger.Charge charge();

  /** Recorded: the attempt completed (or recreated) CHARGED, the invoice moved to PAID. */
  record Adopted(ProviderLedger.Charge charge, int attempt, String previousStatus)
      implements Adoption {}

  /**
   * Already recorded as the invoice's charge (a worker got there between the read and the lock).
   */
  record Recorded(ProviderLedger.Charge charge) implements Adoption {}

  /**
   * Not adoptable, and left to {@code charon audit} and an operator: {@code why} names the conflict
   * (the invoice is paid by another charge, was voided, is unknown, the key is not this lineage's
   * key for the invoice's money, or the attempt is recorded with another outcome).
   */
  record Refused(ProviderLedger.Charge charge, String kind, String why) implements Adoption {}
}
