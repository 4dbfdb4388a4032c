package dev.charon.customer;

import dev.charon.customer.domain.Customer;
import dev.charon.money.Currency;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads and creates customers. */
public final class CustomerRepository {
  private static final Logger log = LoggerFactory.getLogger(CustomerRepository.class);
  private static final String COLUMNS =
      "id, currency, name, provider_reference, created_at, updated_at";

  private final Jdbi jdbi;

  public CustomerRepository(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  public Optional<Customer> find(long id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select " + COLUMNS + " from customer where id = :id")
                .bind("id", id)
                .map((rs, ctx) -> map(rs))
                .findOne());
  }

  /** Customers with id greater than {@code after}, in id order, optionally of one currency. */
  public List<Customer> list(long after, int limit, Optional<Currency> currency) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select %s from customer
                    where id > :after and (cast(:currency as char(3)) is null or currency = :currency)
                    order by id
                    limit :limit
                    """
                        .formatted(COLUMNS))
                .bind("after", after)
                .bind("currency", currency.map(Enum::name).orElse(null))
                .bind("limit", limit)
                .map((rs, ctx) -> map(rs))
                .list());
  }

  /** Inserts a customer in the caller's transaction. */
  public Customer create(Handle h, Currency currency, String name, String actor) {
    return create(h, currency, name, null, actor);
  }

  /**
   * Inserts a customer, with its id at the payment provider (or null), in the caller's transaction.
   */
  public Customer create(
      Handle h, Currency currency, String name, String providerReference, String actor) {
    var created =
        h.createQuery(
                "insert into customer (currency, name, provider_reference) values (:currency, :name, :ref) returning "
                    + COLUMNS)
            .bind("currency", currency.name())
            .bind("name", name)
            .bind("ref", providerReference)
            .map((rs, ctx) -> map(rs))
            .one();
    log.info(
        "customer {} created ({}, provider reference {}) by {}",
        created.id(),
        currency,
        providerReference,
        actor);
    return created;
  }

  /** What a PATCH changes: a field left empty keeps its value; {@code clearReference} unmaps. */
  public record Change(
      Optional<String> name, Optional<String> providerReference, boolean clearReference) {}

  /** Applies {@code change} in the caller's transaction; empty when there is no such customer. */
  public Optional<Customer> update(Handle h, long id, Change change, String actor) {
    var before =
        h.createQuery("select " + COLUMNS + " from customer where id = :id for update")
            .bind("id", id)
            .map((rs, ctx) -> map(rs))
            .findOne();
    if (before.isEmpty()) {
      return Optional.empty();
    }
    var reference =
        change.clearReference()
            ? null
            : change.providerReference().orElse(before.get().providerReference());
    var updated =
        h.createQuery(
                """
                update customer set name = :name, provider_reference = :ref, updated_at = charon_now()
                where id = :id returning %s"""
                    .formatted(COLUMNS))
            .bind("id", id)
            .bind("name", change.name().orElse(before.get().name()))
            .bind("ref", reference)
            .map((rs, ctx) -> map(rs))
            .one();
    if (!java.util.Objects.equals(before.get().providerReference(), reference)) {
      // Which provider customer is charged is a money decision: say who changed it, from what.
      log.info(
          "customer {} provider reference changed from {} to {} by {}",
          id,
          before.get().providerReference(),
          reference,
          actor);
    }
    return Optional.of(updated);
  }

  static Customer map(ResultSet rs) throws SQLException {
    return new Customer(
        rs.getLong("id"),
        Currency.valueOf(rs.getString("currency")),
        rs.getString("name"),
        rs.getString("provider_reference"),
        rs.getTimestamp("created_at").toInstant(),
        rs.getTimestamp("updated_at").toInstant());
  }
}
