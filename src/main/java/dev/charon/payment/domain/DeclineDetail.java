package dev.charon.payment.domain;

/**
 * What a provider says about a decline beyond its code, when it says it: the payment at the
 * provider ({@code pi_...} for a PaymentIntent that waits for the customer), the card's network
 * ({@code visa}, {@code mastercard}, ...), Stripe's {@code advice_code} ({@code do_not_try_again},
 * {@code try_again_later}, {@code confirm_card_data}), the network's own advice ({@code
 * network_advice_code}: Mastercard's merchant advice code such as {@code 03}) and the network's raw
 * decline code ({@code network_decline_code}: Visa's response code such as {@code 51}). Each is
 * null when unknown; the card network rules ({@code charging.domain.NetworkRetryRules}) read them.
 */
public record DeclineDetail(
    String providerReference,
    String cardBrand,
    String adviceCode,
    String networkAdviceCode,
    String networkDeclineCode) {
  public static final DeclineDetail NONE = new DeclineDetail(null, null, null, null, null);

  public DeclineDetail {
    providerReference = blankToNull(providerReference);
    cardBrand = blankToNull(cardBrand);
    adviceCode = blankToNull(adviceCode);
    networkAdviceCode = blankToNull(networkAdviceCode);
    networkDeclineCode = blankToNull(networkDeclineCode);
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.trim();
  }
}
