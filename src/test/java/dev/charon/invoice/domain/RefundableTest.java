package dev.charon.invoice.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.money.Currency;
import dev.charon.money.Money;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RefundableTest {
  private static final Money AMOUNT = Money.ofMinor(100_00, Currency.EUR);

  private static Refundable paid(long charged, long held, long credited) {
    return new Refundable(7, InvoiceStatus.PAID, AMOUNT, charged, held, credited);
  }

  private static Money eur(long minor) {
    return Money.ofMinor(minor, Currency.EUR);
  }

  @Test
  void a_refund_takes_at_most_what_was_charged_and_is_not_yet_held() {
    assertThat(paid(100_00, 60_00, 0).refund(Optional.of(eur(40_00))))
        .isEqualTo(new Refundable.Decision.Accept(eur(40_00)));
    assertThat(paid(100_00, 60_00, 0).refund(Optional.of(eur(40_01))))
        .isInstanceOf(Refundable.Decision.Reject.class);
    assertThat(paid(100_00, 60_00, 0).refund(Optional.empty()))
        .isEqualTo(new Refundable.Decision.Accept(eur(40_00)));
  }

  @Test
  void the_part_the_credit_balance_paid_and_credit_notes_are_not_refundable_to_the_card() {
    // 30.00 paid by credit: 70.00 charged; a 20.00 credit note leaves 50.00 of the invoice.
    assertThat(paid(70_00, 0, 20_00).remainingMinor()).isEqualTo(70_00);
    assertThat(paid(70_00, 0, 40_00).remainingMinor()).isEqualTo(60_00);
    assertThat(paid(0, 0, 0).refund(Optional.empty()))
        .isInstanceOfSatisfying(
            Refundable.Decision.Reject.class, r -> assertThat(r.field()).isEqualTo("amount"));
  }

  @Test
  void only_paid_or_partly_refunded_invoices_in_their_own_currency_are_refunded() {
    for (var status : InvoiceStatus.values()) {
      var decision = new Refundable(7, status, AMOUNT, 100_00, 0, 0).refund(Optional.of(eur(1_00)));
      boolean refundable =
          status == InvoiceStatus.PAID || status == InvoiceStatus.PARTIALLY_REFUNDED;
      assertThat(decision instanceof Refundable.Decision.Accept)
          .as(status.name())
          .isEqualTo(refundable);
    }
    assertThat(paid(100_00, 0, 0).refund(Optional.of(Money.ofMinor(1_00, Currency.USD))))
        .isInstanceOfSatisfying(
            Refundable.Decision.Reject.class,
            r -> assertThat(r.field()).isEqualTo("amount.currency"));
  }

  @Test
  void a_credit_fits_within_what_refunds_and_earlier_credits_left_of_the_invoice() {
    assertThat(paid(100_00, 30_00, 20_00).credit(eur(50_00)))
        .isEqualTo(new Refundable.Decision.Accept(eur(50_00)));
    assertThat(paid(100_00, 30_00, 20_00).credit(eur(50_01)))
        .isInstanceOf(Refundable.Decision.Reject.class);
    assertThat(new Refundable(7, InvoiceStatus.VOID, AMOUNT, 0, 0, 0).credit(eur(1_00)))
        .isInstanceOf(Refundable.Decision.Reject.class);
  }
}
