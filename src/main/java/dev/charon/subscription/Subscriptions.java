package dev.charon.subscription;

import dev.charon.domain.Refused;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates, reads and cancels subscriptions; invoices come from {@link SubscriptionInvoices}. */
public final class Subscriptions {
  private static final Logger log = LoggerFactory.getLogger(Subscriptions.class);
  static final String COLUMNS =
      "id, customer_id, amount_minor, currency, billing_interval, start_date, end_date, status, cancelled_at, created_at";

  private final Jdbi jdbi;
  private final Clock clock;
  private final MeterRegistry metrics;

  public Subscriptions(Jdbi jdbi, Clock clock, MeterRegistry metrics) {
    this.jdbi = jdbi;
    this.clock = clock;
    this.metrics = metrics;
  }

  public record NewSubscription(
      long customerId, Money amount, LocalDate startDate, LocalDate endDate) {}

  public Subscription create(Handle h, NewSubscription s, String actor) {
    var currency =
        h.createQuery("select currency from customer where id = :id")
            .bind("id", s.customerId())
            .mapTo(String.class)
            .findOne()
            .orElseThrow(
                () -> new Refused(Refused.Kind.NOT_FOUND, "No customer with id " + s.customerId()));
    if (!currency.equals(s.amount().currency().name())) {
      throw new Refused(
          Refused.Kind.INVALID,
          "amount.currency",
          "customer "
              + s.customerId()
              + " is billed in "
              + currency
              + ", not "
              + s.amount().currency());
    }
    var created =
        h.createQuery(
                "insert into subscription (customer_id, amount_minor, currency, start_date, end_date, created_by, created_at) "
                    + "values (:customer, :amount, :currency, :start, :end, :actor, :now) returning "
                    + COLUMNS)
            .bind("customer", s.customerId())
            .bind("amount", s.amount().minorUnits())
            .bind("currency", currency)
            .bind("start", s.startDate())
            .bind("end", s.endDate())
            .bind("actor", actor)
            .bind("now", Timestamp.from(clock.instant()))
            .map((rs, ctx) -> map(rs))
            .one();
    count("create");
    log.info(
        "subscription {} created for customer {}: {} monthly from {} by {}",
        created.id(),
        s.customerId(),
        s.amount(),
        s.startDate(),
        actor);
    return created;
  }

  /**
   * Cancels an active subscription: no invoice for a period not produced yet; 409 if already
   * cancelled.
   */
  public Subscription cancel(Handle h, long id, String reason, String actor) {
    var cancelled =
        h.createQuery(
                "update subscription set status = :cancelled, cancelled_at = :now, cancel_reason = :reason "
                    + "where id = :id and status = :active returning "
                    + COLUMNS)
            .bind("now", Timestamp.from(clock.instant()))
            .bind("reason", reason)
            .bind("cancelled", Subscription.Status.CANCELLED.name())
            .bind("active", Subscription.Status.ACTIVE.name())
            .bind("id", id)
            .map((rs, ctx) -> map(rs))
            .findOne();
    if (cancelled.isEmpty()) {
      find(h, id)
          .orElseThrow(() -> new Refused(Refused.Kind.NOT_FOUND, "No subscription with id " + id));
      throw new Refused(Refused.Kind.CONFLICT, "Subscription " + id + " is already cancelled");
    }
    count("cancel");
    log.info("subscription {} cancelled by {}: {}", id, actor, reason);
    return cancelled.get();
  }

  public Optional<Subscription> find(long id) {
    return jdbi.withHandle(h -> find(h, id));
  }

  private static Optional<Subscription> find(Handle h, long id) {
    return h.createQuery("select " + COLUMNS + " from subscription where id = :id")
        .bind("id", id)
        .map((rs, ctx) -> map(rs))
        .findOne();
  }

  /**
   * A customer's subscriptions in id order after {@code after}; empty when the customer has none.
   */
  public List<Subscription> ofCustomer(long customerId, long after, int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select "
                        + COLUMNS
                        + " from subscription where customer_id = :c and id > :after order by id limit :limit")
                .bind("c", customerId)
                .bind("after", after)
                .bind("limit", limit)
                .map((rs, ctx) -> map(rs))
                .list());
  }

  public boolean customerExists(long customerId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select exists (select 1 from customer where id = :id)")
                .bind("id", customerId)
                .mapTo(Boolean.class)
                .one());
  }

  static Subscription map(ResultSet rs) throws SQLException {
    var end = rs.getObject("end_date", LocalDate.class);
    var cancelledAt = rs.getTimestamp("cancelled_at");
    return new Subscription(
        rs.getLong("id"),
        rs.getLong("customer_id"),
        Money.ofMinor(rs.getLong("amount_minor"), Currency.valueOf(rs.getString("currency"))),
        Subscription.Interval.valueOf(rs.getString("billing_interval")),
        rs.getObject("start_date", LocalDate.class),
        end,
        Subscription.Status.valueOf(rs.getString("status")),
        cancelledAt == null ? null : cancelledAt.toInstant(),
        rs.getTimestamp("created_at").toInstant());
  }

  private void count(String action) {
    Counter.builder("charon.subscription.writes")
        .description("Subscriptions created and cancelled through the API")
        .tag("action", action)
        .register(metrics)
        .increment();
  }
}
