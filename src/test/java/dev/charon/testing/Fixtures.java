package dev.charon.testing;

import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.PaymentProvider;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import java.time.LocalDate;
import java.time.YearMonth;
import org.jdbi.v3.core.Jdbi;

/** Builders for rows, so tests say what matters about them and nothing else. */
public final class Fixtures {
  private final Jdbi jdbi;

  public Fixtures(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  public long customer(Currency currency) {
    return jdbi.withHandle(
        h ->
            h.createQuery("insert into customer (currency) values (:c) returning id")
                .bind("c", currency.name())
                .mapTo(Long.class)
                .one());
  }

  public InvoiceBuilder invoice() {
    return new InvoiceBuilder();
  }

  /** {@code fixtures.invoice().forCustomer(id).amount(1250).status(PENDING).create()}. */
  public final class InvoiceBuilder {
    private Long customerId;
    private long amountMinor = 10_00;
    private Currency currency;
    private InvoiceStatus status = InvoiceStatus.PENDING;
    private YearMonth period = YearMonth.of(2026, 11);
    private boolean mismatchAllowed;

    public InvoiceBuilder forCustomer(long id) {
      this.customerId = id;
      return this;
    }

    public InvoiceBuilder amount(long minor) {
      this.amountMinor = minor;
      return this;
    }

    public InvoiceBuilder in(Currency currency) {
      this.currency = currency;
      return this;
    }

    public InvoiceBuilder status(InvoiceStatus status) {
      this.status = status;
      return this;
    }

    public InvoiceBuilder period(YearMonth period) {
      this.period = period;
      return this;
    }

    public InvoiceBuilder currencyMismatchAllowed() {
      this.mismatchAllowed = true;
      return this;
    }

    public long create() {
      long customer =
          customerId != null ? customerId : customer(currency != null ? currency : Currency.EUR);
      return jdbi.withHandle(
          h ->
              h.createQuery(
                      """
                      insert into invoice (customer_id, amount_minor, currency, status, billing_period, due_date,
                                           paid_at, currency_mismatch_allowed, next_attempt_at)
                      values (:customer, :amount,
                              coalesce(:currency, (select currency from customer where id = :customer)),
                              :status, :period, :due,
                              case when :status in ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED', 'DISPUTED') then now() end, :mismatch,
                              case when :status = 'RETRY_SCHEDULED' then now() end)
                      returning id
                      """)
                  .bind("customer", customer)
                  .bind("amount", amountMinor)
                  .bind("currency", currency == null ? null : currency.name())
                  .bind("status", status.name())
                  .bind("period", period.toString())
                  .bind("due", period.atDay(1))
                  .bind("mismatch", mismatchAllowed)
                  .mapTo(Long.class)
                  .one());
    }
  }

  /**
   * An EUR invoice charged at {@code provider} for real and recorded as the engine records a paid
   * one (attempt 1 CHARGED with the provider's reference, the invoice PAID): where every money-back
   * test starts. Fails if the provider does not charge it.
   */
  public long paidAt(PaymentProvider provider, long amountMinor) {
    long invoice = invoice().in(Currency.EUR).amount(amountMinor).create();
    long customer =
        jdbi.withHandle(
            h ->
                h.createQuery("select customer_id from invoice where id = :id")
                    .bind("id", invoice)
                    .mapTo(Long.class)
                    .one());
    var key = "paid-at-" + invoice + "-" + System.nanoTime();
    var outcome =
        provider.charge(
            new ChargeRequest(
                invoice, 1, customer, null, Money.ofMinor(amountMinor, Currency.EUR), key));
    if (!(outcome instanceof ChargeOutcome.Charged charged)) {
      throw new IllegalStateException(
          "the provider did not charge invoice " + invoice + ": " + outcome);
    }
    jdbi.useHandle(
        h -> {
          h.execute(
              """
              insert into charge_attempt (invoice_id, attempt_no, idempotency_key, amount_minor, currency,
                                          outcome, provider_reference, worker, calls, completed_at)
              values (?, 1, ?, ?, 'EUR', 'CHARGED', ?, 'test', 1, now())""",
              invoice,
              key,
              amountMinor,
              charged.providerReference());
          h.execute(
              "update invoice set status = 'PAID', paid_at = now(), attempt_count = 1 where id = ?",
              invoice);
        });
    return invoice;
  }

  public static LocalDate firstOf(YearMonth period) {
    return period.atDay(1);
  }
}
