package dev.charon.reporting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.money.Currency;
import dev.charon.testing.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The reporting role, as an operator would use it: a login role {@code in role charon_reporting}
 * reads every reporting view and nothing in public. Two databases on one server, because the role
 * is the server's and the second migration finds it already there.
 */
class ReportingRoleTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  @RegisterExtension static final TestDatabase other = TestDatabase.migratedFromEmpty();

  private static final String LOGIN =
      "charon_rpt_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private static final List<String> VIEWS =
      List.of(
          "revenue_by_month",
          "collected_by_run",
          "collection_rate_by_run",
          "failures_by_reason",
          "unpaid_ageing",
          "dunning_funnel",
          "net_collected_by_month",
          "credit_notes");

  @BeforeAll
  static void createLogin() {
    var data = new ReportingData(db.jdbi());
    data.attempts(
        data.invoice(Currency.EUR, 100, InvoiceStatus.RETRY_SCHEDULED, "2026-10"), "DECLINED");
    db.jdbi().useHandle(h -> h.execute("create role " + LOGIN + " login in role charon_reporting"));
  }

  @AfterAll
  static void dropLogin() {
    db.jdbi().useHandle(h -> h.execute("drop role if exists " + LOGIN));
  }

  @Test
  void the_group_role_cannot_log_in_and_has_no_special_powers() {
    boolean anyPower =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "select rolcanlogin or rolsuper or rolcreaterole or rolcreatedb or rolbypassrls from pg_roles "
                                + "where rolname = 'charon_reporting'")
                        .mapTo(Boolean.class)
                        .one());
    assertThat(anyPower).isFalse();
  }

  @Test
  void the_reporting_role_reads_every_reporting_view() throws SQLException {
    var views =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "select table_name from information_schema.views where table_schema = 'reporting'")
                        .mapTo(String.class)
                        .list());
    assertThat(views).containsExactlyInAnyOrderElementsOf(VIEWS);
    try (var c = connectAsLogin(db)) {
      for (var view : views) {
        try (var s = c.createStatement();
            var rs = s.executeQuery("select * from reporting." + view)) {
          while (rs.next()) {
            // reading the rows is the point
          }
        }
      }
      try (var s = c.createStatement();
          var rs = s.executeQuery("select sum(invoices) from reporting.failures_by_reason")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).as("views see base rows with their owner's rights").isEqualTo(1);
      }
    }
  }

  @Test
  void the_reporting_role_cannot_read_base_tables() throws SQLException {
    var tables =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery("select tablename from pg_tables where schemaname = 'public'")
                        .mapTo(String.class)
                        .list());
    assertThat(tables)
        .contains(
            "invoice",
            "customer",
            "charge_attempt",
            "invoice_history",
            "billing_run",
            "charge_request",
            "currency",
            "scheduled_tasks",
            "flyway_schema_history");
    try (var c = connectAsLogin(db)) {
      for (var table : tables) {
        assertPermissionDenied(c, "select * from public." + table + " limit 1");
      }
    }
  }

  @Test
  void the_reporting_role_can_neither_write_nor_create() throws SQLException {
    try (var c = connectAsLogin(db)) {
      assertPermissionDenied(c, "create view reporting.mine as select 1");
      assertPermissionDenied(c, "create table public.mine (a int)");
      assertPermissionDenied(c, "update public.invoice set status = 'PAID'");
    }
  }

  @Test
  void nothing_in_public_is_granted_to_public_or_to_the_role() {
    var grants =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            """
                    select c.relname || ' ' || a.privilege_type || ' to ' || coalesce(r.rolname, 'PUBLIC')
                    from pg_class c
                    join pg_namespace n on n.oid = c.relnamespace
                    cross join lateral aclexplode(c.relacl) a
                    left join pg_roles r on r.oid = a.grantee
                    where n.nspname = 'public' and (a.grantee = 0 or r.rolname = 'charon_reporting')
                    """)
                        .mapTo(String.class)
                        .list());
    assertThat(grants).isEmpty();
  }

  @Test
  void the_role_holds_usage_on_reporting_and_select_on_its_views_and_nothing_else() {
    var privileges =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            """
                    select n.nspname || ' ' || a.privilege_type
                    from pg_namespace n cross join lateral aclexplode(n.nspacl) a
                    where a.grantee = 'charon_reporting'::regrole
                    union all
                    select n.nspname || '.' || c.relname || ' ' || a.privilege_type
                    from pg_class c join pg_namespace n on n.oid = c.relnamespace
                    cross join lateral aclexplode(c.relacl) a
                    where a.grantee = 'charon_reporting'::regrole
                    union all
                    select 'function ' || p.proname || ' ' || a.privilege_type
                    from pg_proc p cross join lateral aclexplode(p.proacl) a
                    where a.grantee = 'charon_reporting'::regrole
                    """)
                        .mapTo(String.class)
                        .list());
    var expected = new ArrayList<>(List.of("reporting USAGE"));
    VIEWS.forEach(v -> expected.add("reporting." + v + " SELECT"));
    assertThat(privileges).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void a_second_database_migrated_while_the_role_exists_grants_it_its_own_views()
      throws SQLException {
    try (var c = connectAsLogin(other)) {
      for (var view : VIEWS) {
        try (var s = c.createStatement()) {
          s.executeQuery("select * from reporting." + view).close();
        }
      }
      assertPermissionDenied(c, "select * from public.invoice");
    }
  }

  private static Connection connectAsLogin(TestDatabase database) throws SQLException {
    // The test server trusts connections from 127.0.0.1, so the login needs no password.
    return DriverManager.getConnection(database.jdbcUrl(), LOGIN, "");
  }

  private static void assertPermissionDenied(Connection c, String sql) {
    assertThatThrownBy(
            () -> {
              try (var s = c.createStatement()) {
                s.execute(sql);
              }
            })
        .as(sql)
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("permission denied")
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
  }
}
