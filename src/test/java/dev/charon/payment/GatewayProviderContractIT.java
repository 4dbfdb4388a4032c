package dev.charon.payment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.payment.domain.RefundRequest;
import dev.charon.testing.GatewayProcess;
import dev.charon.testing.Http;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** The provider contract for the HTTP adapter against the real {@code charon gateway} process. */
class GatewayProviderContractIT extends PaymentProviderContract {
  static GatewayProcess gateway;
  static HttpPaymentProvider client;
  static Http admin;
  boolean loseArmed;

  @BeforeAll
  static void startGateway() {
    gateway = GatewayProcess.start();
    admin = new Http(gateway.url());
    client =
        new HttpPaymentProvider(
            URI.create(gateway.url() + "/"), Duration.ofSeconds(2), Duration.ofSeconds(10));
  }

  @AfterAll
  static void stopGateway() {
    client.close();
    gateway.close();
  }

  @BeforeEach
  void noFaults() {
    configure(
        "{\"declineRate\":0,\"timeoutRate\":0,\"networkErrorRate\":0,\"customersNotFound\":[],\"currencyMismatch\":[]}");
  }

  void configure(String patch) {
    assertThat(admin.send("PUT", "/admin/config", patch, "application/json").status())
        .isEqualTo(200);
  }

  @Override
  PaymentProvider provider() {
    return new PaymentProvider() {
      @Override
      public ChargeOutcome charge(ChargeRequest request) {
        return disarm(client.charge(request));
      }

      @Override
      public RefundOutcome refund(RefundRequest request) {
        return disarm(client.refund(request));
      }
    };
  }

  /** The gateway's timeout is a property of the key: lose only the first answer. */
  private <T> T disarm(T outcome) {
    if (loseArmed) {
      loseArmed = false;
      configure("{\"timeoutRate\":0}");
    }
    return outcome;
  }

  @Override
  ChargeRequest paying(long invoiceId, Money amount, String key) {
    return new ChargeRequest(invoiceId, invoiceId, amount, key);
  }

  @Override
  ChargeRequest declining(String declineCode, long invoiceId, Money amount, String key) {
    configure("{\"declineRate\":1,\"declineCodes\":\"" + declineCode + "\"}");
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
    configure("{\"customersNotFound\":[" + customer + "]}");
    return new ChargeRequest(invoiceId, customer, amount, key);
  }

  @Override
  void loseNextResponse() {
    loseArmed = true;
    configure("{\"timeoutRate\":1}");
  }

  @Override
  List<LedgerCharge> ledger(long invoiceId) {
    var charges = new ArrayList<LedgerCharge>();
    long after = 0;
    while (true) {
      var page = admin.get("/ledger/charges?after=" + after + "&limit=5000").json();
      for (var c : page.get("charges")) {
        if (c.get("invoiceId").asLong() == invoiceId) {
          charges.add(
              new LedgerCharge(
                  c.get("chargeId").asText(),
                  Money.ofMinor(
                      c.get("amountMinor").asLong(),
                      Currency.valueOf(c.get("currency").asText()))));
        }
      }
      var next = page.get("nextAfter");
      if (next == null || next.isNull() || page.get("charges").isEmpty()) {
        return charges;
      }
      after = next.asLong();
    }
  }

  @Override
  List<LedgerRefund> refundLedger(long invoiceId) {
    var refunds = new ArrayList<LedgerRefund>();
    long after = 0;
    while (true) {
      var page = admin.get("/ledger/refunds?after=" + after + "&limit=5000").json();
      for (var r : page.get("refunds")) {
        if (r.get("invoiceId").asLong() == invoiceId) {
          refunds.add(
              new LedgerRefund(
                  r.get("refundId").asText(),
                  r.get("chargeId").asText(),
                  Money.ofMinor(
                      r.get("amountMinor").asLong(),
                      Currency.valueOf(r.get("currency").asText()))));
        }
      }
      var next = page.get("nextAfter");
      if (next == null || next.isNull() || page.get("refunds").isEmpty()) {
        return refunds;
      }
      after = next.asLong();
    }
  }

  @Override
  String disputedCharge(long invoiceId, Money amount) {
    var charge = charged(invoiceId, amount);
    assertThat(
            admin
                .send(
                    "POST",
                    "/admin/disputes",
                    "{\"chargeId\":\"" + charge + "\"}",
                    "application/json")
                .status())
        .isEqualTo(201);
    return charge;
  }
}
