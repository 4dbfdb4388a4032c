package dev.charon.audit;

import com.stripe.StripeClient;
import com.stripe.exception.InvalidRequestException;
import com.stripe.exception.StripeException;
import com.stripe.param.ChargeListParams;
import com.stripe.param.DisputeListParams;
import com.stripe.param.RefundListParams;
import dev.charon.payment.stripe.StripeAmounts;
import dev.charon.payment.stripe.StripePaymentProvider;
import dev.charon.payment.stripe.StripeSettings;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads Stripe's own truth for the audit: every succeeded charge on the account that Charon made
 * (it carries {@code charon_invoice_id} in its metadata, or, on the PaymentIntents path, its
 * PaymentIntent does; the intent is expanded in the same call and its id is the reference), listed
 * newest first in pages of 100 with {@code starting_after}, as the same records the gateway's
 * ledger gives. Charges without Charon's metadata (made by other systems on the same account) are
 * counted and left out; failed charges (declines) are not money taken.
 */
final class StripeLedger implements ProviderLedger {
  private static final Logger log = LoggerFactory.getLogger(StripeLedger.class);
  private static final long PAGE = 100; // Stripe's maximum

  private final StripeClient client;
  private long foreign;
  private long failed;

  StripeLedger(StripeSettings settings) {
    this(
        StripeClient.builder()
            .setApiKey(settings.apiKey())
            .setApiBase(settings.baseUrl().toString().replaceAll("/+$", ""))
            .setConnectTimeout(Math.toIntExact(settings.connectTimeout().toMillis()))
            .setReadTimeout(Math.toIntExact(settings.readTimeout().toMillis()))
            .setMaxNetworkRetries(2) // a read: retrying a list is safe
            .build());
  }

  StripeLedger(StripeClient client) {
    this.client = client;
  }

  @Override
  public void forEachPage(Consumer<List<ProviderLedger.Charge>> sink) throws IOException {
    String after = null;
    long pages = 0;
    while (true) {
      // A PaymentIntent's charge: Charon's metadata is the intent's, read in the same call.
      var params = ChargeListParams.builder().setLimit(PAGE).addExpand("data.payment_intent");
      if (after != null) {
        params.setStartingAfter(after);
      }
      List<com.stripe.model.Charge> page;
      boolean more;
      try {
        var list = client.v1().charges().list(params.build());
        page = list.getData();
        more = Boolean.TRUE.equals(list.getHasMore());
      } catch (StripeException e) {
        throw new IOException(
            "Stripe refused to list charges after " + after + ": " + e.getMessage(), e);
      }
      pages++;
      var charges = new ArrayList<ProviderLedger.Charge>();
      for (var c : page) {
        charge(c).ifPresent(charges::add);
      }
      if (!charges.isEmpty()) {
        sink.accept(charges);
      }
      if (!more || page.isEmpty()) {
        log.info(
            "Stripe ledger read: {} pages, {} charges without Charon metadata left out, {} failed charges left out",
            pages,
            foreign,
            failed);
        return;
      }
      after = page.getLast().getId();
    }
  }

  private java.util.Optional<ProviderLedger.Charge> charge(com.stripe.model.Charge c) {
    var intent = c.getPaymentIntentObject();
    var metadata =
        intent != null && intent.getMetadata() != null ? intent.getMetadata() : c.getMetadata();
    var invoice = metadata == null ? null : metadata.get(StripePaymentProvider.INVOICE_ID);
    if (invoice == null) {
      foreign++;
      return java.util.Optional.empty();
    }
    if (!"succeeded".equals(c.getStatus()) || !Boolean.TRUE.equals(c.getPaid())) {
      failed++;
      return java.util.Optional.empty();
    }
    // A currency Charon does not bill in cannot match an invoice: kept as Stripe wrote it, so the
    // audit reports it instead of dropping it.
    long amount =
        StripeAmounts.fromStripe(c.getAmount(), c.getCurrency())
            .map(m -> m.minorUnits())
            .orElse(c.getAmount());
    return java.util.Optional.of(
        new ProviderLedger.Charge(
            metadata.get(StripePaymentProvider.IDEMPOTENCY_KEY),
            Long.parseLong(invoice),
            reference(c),
            amount,
            c.getCurrency().toUpperCase(Locale.ROOT),
            java.time.Instant.ofEpochSecond(c.getCreated())));
  }

  /**
   * What Charon records as the charge's reference: the PaymentIntent's id for a charge a
   * PaymentIntent made (the PaymentIntents path), else the charge's own id (the Charges path).
   */
  private static String reference(com.stripe.model.Charge c) {
    if (c.getPaymentIntentObject() != null) {
      return c.getPaymentIntentObject().getId();
    }
    return c.getPaymentIntent() != null ? c.getPaymentIntent() : c.getId();
  }

  /**
   * The account's refunds, newest first, 100 a page. Pending refunds count: Stripe accepted them
   * and Charon records them refunded; failed and canceled ones gave nothing back.
   */
  @Override
  public void forEachRefundPage(Consumer<List<ProviderLedger.Refund>> sink) throws IOException {
    String after = null;
    while (true) {
      var params = RefundListParams.builder().setLimit(PAGE);
      if (after != null) {
        params.setStartingAfter(after);
      }
      List<com.stripe.model.Refund> page;
      boolean more;
      try {
        var list = client.v1().refunds().list(params.build());
        page = list.getData();
        more = Boolean.TRUE.equals(list.getHasMore());
      } catch (StripeException e) {
        throw new IOException(
            "Stripe refused to list refunds after " + after + ": " + e.getMessage(), e);
      }
      var refunds = new ArrayList<ProviderLedger.Refund>();
      for (var r : page) {
        if ("succeeded".equals(r.getStatus()) || "pending".equals(r.getStatus())) {
          refunds.add(refund(r));
        }
      }
      if (!refunds.isEmpty()) {
        sink.accept(refunds);
      }
      if (!more || page.isEmpty()) {
        return;
      }
      after = page.getLast().getId();
    }
  }

  private static ProviderLedger.Refund refund(com.stripe.model.Refund r) {
    var metadata = r.getMetadata() == null ? java.util.Map.<String, String>of() : r.getMetadata();
    var invoice = metadata.get(StripePaymentProvider.INVOICE_ID);
    long amount =
        StripeAmounts.fromStripe(r.getAmount(), r.getCurrency())
            .map(m -> m.minorUnits())
            .orElse(r.getAmount());
    return new ProviderLedger.Refund(
        r.getId(),
        r.getCharge(),
        invoice == null ? 0 : Long.parseLong(invoice),
        metadata.get(StripePaymentProvider.IDEMPOTENCY_KEY),
        amount,
        r.getCurrency().toUpperCase(Locale.ROOT),
        java.time.Instant.ofEpochSecond(r.getCreated()));
  }

  /**
   * Disputes with status {@code lost}, from Stripe's dispute list. stripe-stateful-mock has no
   * dispute list (it answers 404 without an error code, which Stripe itself never does for this
   * path): there the audit logs that it cannot read lost disputes, and counts none.
   */
  @Override
  public List<ProviderLedger.LostDispute> lostDisputes() throws IOException {
    var lost = new ArrayList<ProviderLedger.LostDispute>();
    String after = null;
    while (true) {
      var params = DisputeListParams.builder().setLimit(PAGE);
      if (after != null) {
        params.setStartingAfter(after);
      }
      List<com.stripe.model.Dispute> page;
      boolean more;
      try {
        var list = client.v1().disputes().list(params.build());
        page = list.getData();
        more = Boolean.TRUE.equals(list.getHasMore());
      } catch (InvalidRequestException e) {
        if (Integer.valueOf(404).equals(e.getStatusCode()) && e.getCode() == null) {
          log.warn(
              "this Stripe API has no dispute list ({}): lost disputes not read", e.getMessage());
          return lost;
        }
        throw new IOException("Stripe refused to list disputes: " + e.getMessage(), e);
      } catch (StripeException e) {
        throw new IOException("Stripe refused to list disputes: " + e.getMessage(), e);
      }
      for (var d : page) {
        if ("lost".equals(d.getStatus())) {
          var metadata =
              d.getMetadata() == null ? java.util.Map.<String, String>of() : d.getMetadata();
          var invoice = metadata.get(StripePaymentProvider.INVOICE_ID);
          lost.add(
              new ProviderLedger.LostDispute(
                  d.getId(),
                  d.getCharge(),
                  invoice == null ? 0 : Long.parseLong(invoice),
                  StripeAmounts.fromStripe(d.getAmount(), d.getCurrency())
                      .map(m -> m.minorUnits())
                      .orElse(d.getAmount()),
                  d.getCurrency().toUpperCase(Locale.ROOT)));
        }
      }
      if (!more || page.isEmpty()) {
        return lost;
      }
      after = page.getLast().getId();
    }
  }

  /** Charges on the account without Charon's metadata, seen by the last read. */
  long foreign() {
    return foreign;
  }
}
