package dev.charon.invoice;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.charon.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The invoice triggers that join a statement's old and new rows (history, events) stay linear in
 * the statement's size however small the backend's first invoice update was (V51.1, issue 17).
 * plpgsql plans their insert once per backend, sized by the transition tables of the first call: a
 * first update of one row used to leave a nested loop of old rows against new rows, and a later
 * update of 1,000 invoices in the same backend compared a million pairs (0.6-1.4 s per production
 * batch on the 2,000,000-invoice benchmark database). Read from auto_explain, sent to this session
 * as notices: the plans the triggers actually ran.
 */
class TransitionJoinPlanTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static long customer;

  @BeforeAll
  static void invoices() {
    customer =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery("insert into customer (currency) values ('EUR') returning id")
                        .mapTo(Long.class)
                        .one());
    db.jdbi()
        .useHandle(
            h ->
                h.execute(
                    """
                    insert into invoice (customer_id, amount_minor, currency, status, billing_period, due_date)
                    select ?, 1000, 'EUR', 'PENDING', '2026-11', date '2026-11-01' from generate_series(1, 1001)
                    """,
                    customer));
  }

  @Test
  void a_large_update_after_a_one_row_update_joins_old_and_new_rows_by_hash() throws Exception {
    try (var c = db.dataSource().getConnection()) {
      c.setAutoCommit(true);
      run(c, "load 'auto_explain'");
      run(c, "set auto_explain.log_min_duration = 0");
      run(c, "set auto_explain.log_nested_statements = on");
      run(c, "set auto_explain.log_format = json");
      run(c, "set auto_explain.log_level = notice");
      run(c, "set client_min_messages = notice");
      // The backend's first invoice update changes one row: the triggers' plans are made for it.
      run(
          c,
          "update invoice set status = 'VOID', status_reason = 'first' where id = (select min(id) from invoice)");
      var plans =
          run(
              c,
              "update invoice set status = 'VOID', status_reason = 'bulk' where status = 'PENDING'");

      var history = plansOf(plans, "insert into invoice_history");
      var events = plansOf(plans, "insert into event_outbox");
      assertThat(history).as("the history trigger's plan for 1,000 rows").hasSize(1);
      assertThat(events).as("the events trigger's plan for 1,000 rows").hasSize(1);
      for (var plan : List.of(history.getFirst(), events.getFirst())) {
        assertThat(joins(plan.get("Plan")))
            .as("joins of old and new rows in %s", plan.get("Query Text").asText().strip())
            .isNotEmpty()
            .doesNotContain("Nested Loop");
      }
    }
    long written =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "select count(*) from invoice_history where reason = 'bulk' and new_status = 'VOID'")
                        .mapTo(Long.class)
                        .one());
    assertThat(written).isEqualTo(1000L);
  }

  /** Executes {@code sql} and returns the notices it raised (auto_explain's plans among them). */
  private static List<String> run(Connection c, String sql) throws SQLException {
    try (var s = c.createStatement()) {
      s.execute(sql);
      var notices = new ArrayList<String>();
      for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
        notices.add(w.getMessage());
      }
      return notices;
    }
  }

  private static List<JsonNode> plansOf(List<String> notices, String statement) throws Exception {
    var plans = new ArrayList<JsonNode>();
    for (var notice : notices) {
      int at = notice.indexOf('{');
      if (!notice.contains("plan:") || at < 0) {
        continue;
      }
      var plan = JSON.readTree(notice.substring(at));
      if (plan.path("Query Text").asText().strip().startsWith(statement)) {
        plans.add(plan);
      }
    }
    return plans;
  }

  /** The node types of every join in the plan. */
  private static List<String> joins(JsonNode node) {
    var out = new ArrayList<String>();
    var type = node.path("Node Type").asText();
    if (type.equals("Nested Loop") || type.equals("Hash Join") || type.equals("Merge Join")) {
      out.add(type);
    }
    for (var child : node.path("Plans")) {
      out.addAll(joins(child));
    }
    return out;
  }
}
