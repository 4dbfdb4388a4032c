package dev.charon.payment;

import dev.charon.money.Money;

/**
 * The original provider contract: {@code true} charged, {@code false} the balance did not allow it,
 * and three exceptions for everything else. Kept to show how it maps onto {@link PaymentProvider};
 * see {@link LegacyProviderAdapter}.
 */
public interface LegacyPaymentProvider {

  /** What the original contract charged: the invoice as a whole. */
  record Invoice(long id, long customerId, Money amount) {}

  boolean charge(Invoice invoice);

  /** No such customer at the provider. */
  final class CustomerNotFoundException extends RuntimeException {
    public CustomerNotFoundException(String message) {
      super(message);
    }
  }

  /** The invoice's currency differs from the customer's account. */
  final class CurrencyMismatchException extends RuntimeException {
    public CurrencyMismatchException(String message) {
      super(message);
    }
  }

  /** A network error: the original contract says "try again". */
  final class NetworkException extends RuntimeException {
    public NetworkException(String message) {
      super(message);
    }
  }
}
