package dev.charon.db;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.domain.IdempotencyKeys;
import dev.charon.testing.TestDatabase;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 27: the key of an attempt is a function of the database lineage. A file-level copy of a
 * migrated database (what a base backup, a promoted standby or a restore is) sends the same key for
 * attempt 1 of invoice N; a database migrated afresh for another deployment sends another.
 */
class LineageKeysIT {
  private final List<String> made = new ArrayList<>();

  @Test
  void a_copy_of_the_database_derives_the_same_key_and_a_fresh_deployment_another()
      throws Exception {
    var original = migratedAfresh();
    // CREATE DATABASE ... TEMPLATE copies the files, as pg_basebackup does: the lineage row too.
    var copy = name();
    admin("create database " + copy + " template " + original);
    var other = migratedAfresh();
    var money = Money.ofMinor(12_50, Currency.EUR);

    var key = key(original, money);

    assertThat(key(copy, money)).isEqualTo(key).startsWith("inv42-att1-");
    assertThat(key(other, money)).isNotEqualTo(key).startsWith("inv42-att1-");
    assertThat(key(original, Money.ofMinor(12_51, Currency.EUR)))
        .as("other money, another key")
        .isNotEqualTo(key);
  }

  private String migratedAfresh() throws Exception {
    var name = name();
    admin("create database " + name);
    try (var ds = pool(name)) {
      Database.migrate(ds);
    }
    return name;
  }

  private String key(String database, Money money) {
    try (var ds = pool(database)) {
      var secret = Jdbi.create(ds).withHandle(Lineage::secret);
      return new IdempotencyKeys(secret).charge(42, 1, 7, money);
    }
  }

  private String name() {
    var name = "charon_k_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    made.add(name);
    return name;
  }

  private static HikariDataSource pool(String database) {
    var config = new HikariConfig();
    config.setJdbcUrl(TestDatabase.SERVER_URL.replaceAll("/[^/?]*(\\?.*)?$", "/" + database));
    config.setUsername(TestDatabase.USER);
    config.setPassword(TestDatabase.PASSWORD);
    config.setMaximumPoolSize(2);
    return new HikariDataSource(config);
  }

  private static void admin(String sql) throws Exception {
    try (var c =
            DriverManager.getConnection(
                TestDatabase.SERVER_URL, TestDatabase.USER, TestDatabase.PASSWORD);
        var s = c.createStatement()) {
      s.execute(sql);
    }
  }

  @AfterEach
  void drop() throws Exception {
    for (var name : made) {
      admin("drop database if exists " + name + " with (force)");
    }
  }
}
