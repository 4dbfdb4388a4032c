package dev.charon.payment.stripe;

import com.stripe.StripeClient;
import com.stripe.exception.StripeException;
import com.stripe.model.Charge;
import com.stripe.net.RequestOptions;
import com.stripe.param.ChargeCreateParams;
import dev.charon.payment.PaymentProvider;
import dev.charon.payment.PaymentProviderException;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.domain.RefundOutcome;
import dev.charon.payment.domain.RefundRequest;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Charges through Stripe's Charges API with the official client: one charge of the invoice amount
 * on the Stripe customer's default card, with the attempt's idempotency key as Stripe's {@code
 * Idempotency-Key} and the invoice and attempt in {@code metadata} (what {@code charon audit}
 * reconciles by). The client's own retries are off: Charon owns retries and keys, and a retry with
 * the same key is what reconciles an unknown result.
 */
public final class StripePaymentProvider implements PaymentProvider {
  private static final Logger log = LoggerFactory.getLogger(StripePaymentProvider.class);

  /** Metadata keys on every charge Charon makes. */
  public static final String INVOICE_ID = "charon_invoice_id";

  public static final String IDEMPOTENCY_KEY = "charon_idempotency_key";

  private final StripeClient client;
  private final StripeApi api;
  private final PaymentIntentCharges intents;
  private final MeterRegistry metrics;
  private final StripeRefunds refunds;

  public StripePaymentProvider(StripeSettings settings, MeterRegistry metrics) {
    this.client = client(settings);
    this.api = settings.api();
    this.intents = new PaymentIntentCharges(client);
    this.metrics = metrics;
    this.refunds = new StripeRefunds(client, metrics);
    log.info(
        "charging through Stripe's {} API at {} with a {} key",
        api == StripeApi.PAYMENT_INTENTS ? "PaymentIntents" : "Charges",
        settings.baseUrl(),
        settings.testMode() ? "test-mode" : "LIVE-mode");
  }

  static StripeClient client(StripeSettings settings) {
    return StripeClient.builder()
        .setApiKey(settings.apiKey())
        .setApiBase(settings.baseUrl().toString().replaceAll("/+$", ""))
        .setConnectTimeout(Math.toIntExact(settings.connectTimeout().toMillis()))
        .setReadTimeout(Math.toIntExact(settings.readTimeout().toMillis()))
        .setMaxNetworkRetries(0)
        .build();
  }

  @Override
  public ChargeOutcome charge(ChargeRequest request) {
    if (request.customerReference() == null) {
      metrics.counter("charon.stripe.answers", "answer", "no_reference").increment();
      return new ChargeOutcome.CustomerNotFound(
          "customer "
              + request.customerId()
              + " has no provider reference (a Stripe customer id): set it with PATCH /rest/v1/customers/"
              + request.customerId());
    }
    ChargeOutcome outcome;
    try {
      outcome =
          switch (api) {
            case CHARGES ->
                charged(request, client.v1().charges().create(params(request), options(request)));
            case PAYMENT_INTENTS -> counted(request, intents.charge(request));
          };
    } catch (StripeException e) {
      try {
        outcome = StripeOutcomes.of(request, e);
      } catch (PaymentProviderException loud) {
        metrics.counter("charon.stripe.answers", "answer", "refused").increment();
        log.error(
            "Stripe refused invoice {} key {} (request {}): {}",
            request.invoiceId(),
            request.idempotencyKey(),
            e.getRequestId(),
            loud.getMessage());
        throw loud;
      }
      metrics.counter("charon.stripe.answers", "answer", answerName(outcome)).increment();
      log.info(
          "Stripe answered invoice {} key {} with HTTP {} {} (request {}): {}",
          request.invoiceId(),
          request.idempotencyKey(),
          e.getStatusCode(),
          e.getCode(),
          e.getRequestId(),
          outcome);
    }
    return outcome;
  }

  private static ChargeCreateParams params(ChargeRequest request) {
    return ChargeCreateParams.builder()
        .setAmount(StripeAmounts.toStripe(request.amount()))
        .setCurrency(StripeAmounts.currencyCode(request.amount()))
        .setCustomer(request.customerReference())
        .setDescription("Charon invoice " + request.invoiceId())
        .putMetadata(INVOICE_ID, Long.toString(request.invoiceId()))
        .putMetadata(IDEMPOTENCY_KEY, request.idempotencyKey())
        .build();
  }

  private static RequestOptions options(ChargeRequest request) {
    return RequestOptions.builder().setIdempotencyKey(request.idempotencyKey()).build();
  }

  private ChargeOutcome counted(ChargeRequest request, ChargeOutcome outcome) {
    metrics.counter("charon.stripe.answers", "answer", answerName(outcome)).increment();
    log.debug(
        "Stripe answered invoice {} key {} through PaymentIntents: {}",
        request.invoiceId(),
        request.idempotencyKey(),
        outcome);
    return outcome;
  }

  @Override
  public RefundOutcome refund(RefundRequest request) {
    return refunds.refund(request);
  }

  private ChargeOutcome charged(ChargeRequest request, Charge charge) {
    boolean replayed =
        charge.getLastResponse() != null
            && charge
                .getLastResponse()
                .headers()
                .firstValue("Idempotent-Replayed")
                .map("true"::equalsIgnoreCase)
                .orElse(false);
    if (!"succeeded".equals(charge.getStatus()) || !Boolean.TRUE.equals(charge.getPaid())) {
      // The Charges API answers a failed charge with a 402, never a 200; a 200 that is not paid
      // (a pending charge) is something this adapter does not handle yet.
      throw new PaymentProviderException(
          "Stripe answered charge "
              + charge.getId()
              + " with status "
              + charge.getStatus()
              + ", not succeeded",
          request,
          200,
          charge.toJson());
    }
    if (charge.getAmount() != StripeAmounts.toStripe(request.amount())
        || !StripeAmounts.currencyCode(request.amount()).equalsIgnoreCase(charge.getCurrency())) {
      throw new PaymentProviderException(
          "Stripe charged "
              + charge.getAmount()
              + " "
              + charge.getCurrency()
              + " for "
              + request.amount(),
          request,
          200,
          charge.getId());
    }
    metrics
        .counter("charon.stripe.answers", "answer", replayed ? "charged_replayed" : "charged")
        .increment();
    if (replayed) {
      log.info(
          "Stripe replayed the first result of key {} for invoice {}: charge {}",
          request.idempotencyKey(),
          request.invoiceId(),
          charge.getId());
    }
    return new ChargeOutcome.Charged(charge.getId());
  }

  private static String answerName(ChargeOutcome outcome) {
    return switch (outcome) {
      case ChargeOutcome.Charged c -> "charged";
      case ChargeOutcome.Declined d -> "declined";
      case ChargeOutcome.CustomerNotFound n -> "customer_not_found";
      case ChargeOutcome.CurrencyMismatch m -> "currency_mismatch";
      case ChargeOutcome.Unavailable u -> "unavailable";
      case ChargeOutcome.Unknown u -> "unknown";
    };
  }
}
