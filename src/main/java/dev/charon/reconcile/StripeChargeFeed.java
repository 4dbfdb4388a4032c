package dev.charon.reconcile;

import com.stripe.StripeClient;
import com.stripe.exception.StripeException;
import com.stripe.param.ChargeListParams;
import dev.charon.audit.ProviderLedger;
import dev.charon.payment.stripe.StripeAmounts;
import dev.charon.payment.stripe.StripePaymentProvider;
import dev.charon.payment.stripe.StripeSettings;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Stripe's succeeded charges that Charon made (its invoice id in their metadata), created after a
 * position in epoch seconds. Stripe lists newest first, so every charge after the position is read
 * (pages of 100) and handed on oldest first, whole seconds at a time: the position is a creation
 * second, and the next read asks for charges created after it. {@code limit} is ignored for that
 * reason; a pass's grace period keeps the seconds it reads complete.
 *
 * <p>Both charge paths are read. The Charges API puts Charon's metadata on the charge. The
 * PaymentIntents path ({@code PaymentIntentCharges}) puts it on the PaymentIntent, whose charge
 * Stripe makes; its PaymentIntent is expanded in the same list call, its metadata read, and its id
 * is the charge's reference, as the worker that sent the key would have recorded it.
 */
public final class StripeChargeFeed implements ChargeFeed {
  private final StripeClient client;

  public StripeChargeFeed(StripeSettings settings) {
    this.client =
        StripeClient.builder()
            .setApiKey(settings.apiKey())
            .setApiBase(settings.baseUrl().toString().replaceAll("/+$", ""))
            .setConnectTimeout(Math.toIntExact(settings.connectTimeout().toMillis()))
            .setReadTimeout(Math.toIntExact(settings.readTimeout().toMillis()))
            .setMaxNetworkRetries(2) // a read: retrying a list is safe
            .build();
  }

  @Override
  public String provider() {
    return "stripe";
  }

  @Override
  public String start() {
    return "0";
  }

  @Override
  public List<Entry> after(String position, int limit) throws IOException {
    long since = Long.parseLong(position);
    var entries = new ArrayList<Entry>();
    String after = null;
    while (true) {
      var params =
          ChargeListParams.builder()
              .setLimit(100L)
              .setCreated(ChargeListParams.Created.builder().setGt(since).build())
              .addExpand("data.payment_intent");
      if (after != null) {
        params.setStartingAfter(after);
      }
      com.stripe.model.StripeCollection<com.stripe.model.Charge> list;
      try {
        list = client.v1().charges().list(params.build());
      } catch (StripeException e) {
        throw new IOException(
            "Stripe refused to list charges created after " + since + ": " + e.getMessage(), e);
      }
      for (var c : list.getData()) {
        // The list asked for these only; a server that ignores the filter (stripe-stateful-mock
        // does) must not move the cursor back.
        if (c.getCreated() != null && c.getCreated() > since) {
          entry(c).ifPresent(entries::add);
        }
      }
      if (!Boolean.TRUE.equals(list.getHasMore()) || list.getData().isEmpty()) {
        break;
      }
      after = list.getData().getLast().getId();
    }
    entries.sort(Comparator.comparing(e -> e.charge().created()));
    return entries;
  }

  static java.util.Optional<Entry> entry(com.stripe.model.Charge c) {
    var intent = c.getPaymentIntentObject();
    var metadata =
        intent != null && intent.getMetadata() != null ? intent.getMetadata() : c.getMetadata();
    var invoice = metadata == null ? null : metadata.get(StripePaymentProvider.INVOICE_ID);
    if (invoice == null
        || !"succeeded".equals(c.getStatus())
        || !Boolean.TRUE.equals(c.getPaid())) {
      return java.util.Optional.empty(); // another system's charge, or no money taken
    }
    long amount =
        StripeAmounts.fromStripe(c.getAmount(), c.getCurrency())
            .map(m -> m.minorUnits())
            .orElse(c.getAmount());
    return java.util.Optional.of(
        new Entry(
            new ProviderLedger.Charge(
                metadata.get(StripePaymentProvider.IDEMPOTENCY_KEY),
                Long.parseLong(invoice),
                reference(c),
                amount,
                c.getCurrency().toUpperCase(Locale.ROOT),
                Instant.ofEpochSecond(c.getCreated())),
            Long.toString(c.getCreated())));
  }

  /**
   * The PaymentIntent's id for a charge a PaymentIntent made (what the worker records), else its
   * own.
   */
  private static String reference(com.stripe.model.Charge c) {
    if (c.getPaymentIntentObject() != null) {
      return c.getPaymentIntentObject().getId();
    }
    return c.getPaymentIntent() != null ? c.getPaymentIntent() : c.getId();
  }
}
