package dev.charon.payment;

import dev.charon.money.Money;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.payment.domain.RefundRequest;
import dev.charon.payment.fake.DeclineMix;
import dev.charon.payment.fake.FaultProfile;
import dev.charon.payment.fake.SimulatedPaymentProvider;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;

/** The provider contract for the in-process simulator. */
class SimulatedProviderContractTest extends PaymentProviderContract {
  SimulatedPaymentProvider sim;

  @BeforeEach
  void start() {
    sim = new SimulatedPaymentProvider(FaultProfile.none(), Clock.systemUTC(), d -> {});
  }

  @Override
  PaymentProvider provider() {
    // Loses a response once, as configured by loseNextResponse: the simulator's timeout is a
    // property of the key, so it is switched off again after the first call.
    return new PaymentProvider() {
      @Override
      public ChargeOutcome charge(ChargeRequest request) {
        var outcome = sim.charge(request);
        sim.configure(sim.profile().toBuilder().timeoutRate(0).build());
        return outcome;
      }

      @Override
      public RefundOutcome refund(RefundRequest request) {
        var outcome = sim.refund(request);
        sim.configure(sim.profile().toBuilder().timeoutRate(0).build());
        return outcome;
      }
    };
  }

  @Override
  ChargeRequest paying(long invoiceId, Money amount, String key) {
    return new ChargeRequest(invoiceId, invoiceId, amount, key);
  }

  @Override
  ChargeRequest declining(String declineCode, long invoiceId, Money amount, String key) {
    sim.configure(
        FaultProfile.builder()
            .declineRate(1)
            .declineMix(
                DeclineMix.only(
                    dev.charon.payment.domain.DeclineCode.of(declineCode).orElseThrow()))
            .build());
    return new ChargeRequest(invoiceId, invoiceId, amount, key);
  }

  @Override
  List<String> declineCodes() {
    return List.of(
        "insufficient_funds",
        "do_not_honor",
        "expired_card",
        "stolen_card",
        "authentication_required");
  }

  @Override
  ChargeRequest unknownCustomer(long invoiceId, Money amount, String key) {
    long customer = 900_000 + invoiceId;
    sim.configure(FaultProfile.builder().customersNotFound(Set.of(customer)).build());
    return new ChargeRequest(invoiceId, customer, amount, key);
  }

  @Override
  void loseNextResponse() {
    sim.configure(sim.profile().toBuilder().timeoutRate(1).build());
  }

  @Override
  List<LedgerCharge> ledger(long invoiceId) {
    return sim.results(invoiceId).stream()
        .filter(SimulatedPaymentProvider.LedgerEntry::charged)
        .map(
            e ->
                new LedgerCharge(
                    ((ChargeOutcome.Charged) e.outcome()).providerReference(),
                    e.request().amount()))
        .toList();
  }

  @Override
  List<LedgerRefund> refundLedger(long invoiceId) {
    return sim.refunds().stream()
        .filter(e -> e.refunded() && e.request().invoiceId() == invoiceId)
        .map(
            e ->
                new LedgerRefund(
                    ((RefundOutcome.Refunded) e.outcome()).reference(),
                    e.request().chargeReference(),
                    e.request().amount()))
        .toList();
  }

  @Override
  String disputedCharge(long invoiceId, Money amount) {
    var charge = charged(invoiceId, amount);
    sim.openDispute(charge);
    return charge;
  }
}
