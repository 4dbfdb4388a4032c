package dev.charon.provider;

import com.stripe.exception.StripeException;
import dev.charon.api.ApiError;
import dev.charon.api.Caller;
import dev.charon.api.HttpApi;
import dev.charon.api.Query;
import dev.charon.auth.ApiKeyAccess;
import dev.charon.auth.Role;
import dev.charon.payment.stripe.PaymentIntentLookup;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /rest/v1/invoices/{id}/payment-intent} (issue 28): for an invoice waiting for its
 * customer (ACTION_REQUIRED after a PaymentIntent was declined, {@code authentication_required}
 * above all), the intent Stripe left waiting and its client secret, read from Stripe at the
 * request, so a customer-facing app can let the customer authenticate (Stripe.js {@code
 * confirmCardPayment}); Stripe's {@code payment_intent.succeeded} then pays the invoice ({@link
 * PaymentIntentSettler}). Operator keys only, although it is a GET: the secret lets its holder
 * complete the payment. The secret is answered with {@code Cache-Control: no-store} and is never
 * logged, stored or put in an event; {@code invoice.action_required} carries only the intent's id.
 * Served only with {@code CHARON_PROVIDER=stripe}.
 */
public final class PaymentIntentRoutes implements HttpApi.Module {
  private static final Logger log = LoggerFactory.getLogger(PaymentIntentRoutes.class);
  public static final String PATH = "/rest/v1/invoices/{id}/payment-intent";

  // The latest attempt of an invoice waiting for its customer, when Stripe left an intent there.
  private static final String WAITING =
      """
      select i.status, a.provider_reference, a.decline_code
      from invoice i
      left join lateral (select provider_reference, decline_code, outcome from charge_attempt
                         where invoice_id = i.id order by attempt_no desc limit 1) a on true
      where i.id = :id""";

  /** What the endpoint answers: the intent and its secret, never logged. */
  public record Answer(
      long invoiceId,
      String paymentIntentId,
      String status,
      String nextAction,
      String declineCode,
      String clientSecret) {
    @Override
    public String toString() {
      return "Answer[invoiceId=%d, paymentIntentId=%s, status=%s]"
          .formatted(invoiceId, paymentIntentId, status);
    }
  }

  private record Row(String status, String reference, String declineCode) {}

  private final Jdbi jdbi;
  private final PaymentIntentLookup stripe;
  private final MeterRegistry metrics;

  public PaymentIntentRoutes(Jdbi jdbi, PaymentIntentLookup stripe, MeterRegistry metrics) {
    this.jdbi = jdbi;
    this.stripe = stripe;
    this.metrics = metrics;
  }

  @Override
  public void routes(RoutesConfig routes) {
    routes.get(PATH, this::get);
  }

  private void get(Context ctx) {
    long id = Query.pathId(ctx, "id");
    Query.of(ctx, Set.of()).validate();
    var key = ApiKeyAccess.keyOf(ctx);
    if (key.isPresent() && !key.get().role().allows(Role.OPERATOR)) {
      count("forbidden");
      throw ApiError.forbidden(
          "A PaymentIntent's client secret lets its holder complete the payment: it needs an "
              + Role.OPERATOR.label()
              + " key");
    }
    var row =
        jdbi.withHandle(
                h ->
                    h.createQuery(WAITING)
                        .bind("id", id)
                        .map(
                            (rs, c) ->
                                new Row(
                                    rs.getString("status"),
                                    rs.getString("provider_reference"),
                                    rs.getString("decline_code")))
                        .findOne())
            .orElseThrow(() -> ApiError.notFound("No invoice with id " + id));
    if (!"ACTION_REQUIRED".equals(row.status())
        || row.reference() == null
        || !row.reference().startsWith("pi_")) {
      count("not_waiting");
      throw ApiError.conflict(
          "Invoice "
              + id
              + " has no PaymentIntent waiting for its customer (it is "
              + row.status()
              + ")");
    }
    PaymentIntentLookup.Intent intent;
    try {
      intent =
          stripe
              .find(row.reference())
              .orElseThrow(
                  () -> ApiError.conflict("Stripe has no PaymentIntent " + row.reference()));
    } catch (StripeException e) {
      count("stripe_failed");
      log.warn(
          "reading PaymentIntent {} of invoice {} from Stripe failed: {}",
          row.reference(),
          id,
          e.getClass().getSimpleName());
      throw ApiError.serviceUnavailable(
          "Stripe did not answer for PaymentIntent " + row.reference() + "; try again");
    }
    count("answered");
    log.info(
        "client secret of PaymentIntent {} ({}) for invoice {} handed to {}",
        intent.id(),
        intent.status(),
        id,
        Caller.of(ctx).actor());
    ctx.header("Cache-Control", "no-store");
    ctx.json(
        new Answer(
            id,
            intent.id(),
            intent.status(),
            intent.nextAction(),
            row.declineCode(),
            intent.clientSecret()));
  }

  private void count(String result) {
    Counter.builder("charon.payment_intents.secrets")
        .description("Requests for a waiting PaymentIntent's client secret, by result")
        .tag("result", result)
        .register(metrics)
        .increment();
  }
}
