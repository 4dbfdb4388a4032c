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
  private static final String COLUMNS = "id, currency, name, created_at, updated_at";

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
    var created =
        h.createQuery("insert into customer (currency, name) values (:currency, :name) returning " + COLUMNS)
            .bind("currency", currency.name())
            .bind("name", name)
            .map((rs, ctx) -> map(rs))
            .one();
    log.info("customer {} created ({}) by {}", created.id(), currency, actor);
    return created;
  }

  static Customer map(ResultSet rs) throws SQLException {
    return new Customer(
        rs.getLong("id"),
        Currency.valueOf(rs.getString("currency")),
        rs.getString("name"),
        rs.getTimestamp("created_at").toInstant(),
        rs.getTimestamp("updated_at").toInstant());
  }
}
