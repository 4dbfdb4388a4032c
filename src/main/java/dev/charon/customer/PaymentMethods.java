package dev.charon.customer;

import dev.charon.db.SqlFiles;
import dev.charon.domain.Refused;
import dev.charon.invoice.domain.InvoiceTransition;
import dev.charon.payment.domain.DeclineCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A customer's payment method, as far as dunning cares: an opaque reference and a version. An
 * update records the change and moves the customer's invoices that a hard decline stopped
 * (ACTION_REQUIRED, last attempt declined with a {@link DeclineCode.Kind#HARD hard} code) back to
 * RETRY_SCHEDULED, due at once; the history and event triggers record that move with its reason and
 * actor. Invoices waiting for an operator for other reasons stay where they are.
 */
public final class PaymentMethods {
  private static final InvoiceTransition RETRY = InvoiceTransition.RETRY_WITH_NEW_PAYMENT_METHOD;
  private static final Logger log = LoggerFactory.getLogger(PaymentMethods.class);
  private static final String[] HARD_CODES =
      Arrays.stream(DeclineCode.values())
          .filter(c -> c.kind() == DeclineCode.Kind.HARD)
          .map(DeclineCode::code)
          .toArray(String[]::new);

  /** The current payment method of a customer; {@code reference} is null until one is set. */
  public record PaymentMethod(long customerId, String reference, long version, Instant updatedAt) {}

  /** What an update did: the new method and how many stopped invoices went back to dunning. */
  public record Updated(
      long customerId, String reference, long version, Instant updatedAt, int invoicesRetried) {}

  private final Jdbi jdbi;
  private final Clock clock;
  private final Counter updates;
  private final Counter retried;

  public PaymentMethods(Jdbi jdbi, Clock clock, MeterRegistry metrics) {
    this.jdbi = jdbi;
    this.clock = clock;
    this.updates =
        Counter.builder("charon.payment_method.updates")
            .description("Payment-method updates through the API")
            .register(metrics);
    this.retried =
        Counter.builder("charon.payment_method.invoices_retried")
            .description(
                "Invoices stopped by a hard decline that a payment-method update moved back to dunning")
            .register(metrics);
  }

  public Optional<PaymentMethod> find(long customerId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select id, payment_method, payment_method_version, payment_method_updated_at from customer where id = :id")
                .bind("id", customerId)
                .map(
                    (rs, ctx) -> {
                      var at = rs.getTimestamp("payment_method_updated_at");
                      return new PaymentMethod(
                          rs.getLong("id"),
                          rs.getString("payment_method"),
                          rs.getLong("payment_method_version"),
                          at == null ? null : at.toInstant());
                    })
                .findOne());
  }

  /**
   * Sets the payment method in the caller's transaction. With {@code expectedVersion}, the update
   * applies only if the current version is that one (409 otherwise), so two clients racing on one
   * customer cannot overwrite each other unseen.
   */
  public Updated update(
      Handle h, long customerId, String reference, Long expectedVersion, String actor) {
    var now = Timestamp.from(clock.instant());
    var version =
        h.createQuery(
                """
                update customer set payment_method = :ref, payment_method_version = payment_method_version + 1,
                                    payment_method_updated_at = :now
                where id = :id and (cast(:expected as bigint) is null or payment_method_version = :expected)
                returning payment_method_version
                """)
            .bind("ref", reference)
            .bind("now", now)
            .bind("id", customerId)
            .bind("expected", expectedVersion)
            .mapTo(Long.class)
            .findOne();
    if (version.isEmpty()) {
      var current =
          h.createQuery("select payment_method_version from customer where id = :id")
              .bind("id", customerId)
              .mapTo(Long.class)
              .findOne()
              .orElseThrow(
                  () -> new Refused(Refused.Kind.NOT_FOUND, "No customer with id " + customerId));
      throw new Refused(
          Refused.Kind.CONFLICT,
          "The payment method of customer "
              + customerId
              + " is at version "
              + current
              + ", not "
              + expectedVersion
              + "; read it again and retry with the current version");
    }
    // Only invoices whose latest attempt was a hard decline: the reason they wait is the card.
    var change =
        RETRY.by(
            actor,
            "payment method updated (version "
                + version.get()
                + "); retrying after a hard decline");
    int moved =
        h.createUpdate(
                SqlFiles.statement(
                    """
                update invoice i set status = ${RETRY_WITH_NEW_PAYMENT_METHOD.to}, next_attempt_at = :now,
                       status_reason = :reason, status_actor = :actor
                where i.customer_id = :id and i.status in (${RETRY_WITH_NEW_PAYMENT_METHOD.from})
                  and (select a.decline_code from charge_attempt a
                       where a.invoice_id = i.id and a.outcome <> 'UNKNOWN'
                       order by a.attempt_no desc limit 1) = any(:hard)
                """))
            .bind("now", now)
            .bind("reason", change.reason())
            .bind("actor", change.actor())
            .bind("id", customerId)
            .bind("hard", HARD_CODES)
            .execute();
    h.createUpdate(
            """
            insert into payment_method_change (customer_id, version, reference, actor, at, invoices_retried)
            values (:id, :version, :ref, :actor, :now, :moved)
            """)
        .bind("id", customerId)
        .bind("version", version.get())
        .bind("ref", reference)
        .bind("actor", actor)
        .bind("now", now)
        .bind("moved", moved)
        .execute();
    updates.increment();
    retried.increment(moved);
    log.info(
        "customer {} payment method set to version {} by {}; {} invoice(s) stopped by a hard decline back to dunning",
        customerId,
        version.get(),
        actor,
        moved);
    return new Updated(customerId, reference, version.get(), now.toInstant(), moved);
  }
}
