package dev.charon.charging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.charon.db.SqlFiles;
import dev.charon.testing.TestDatabase;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The charge path reaches invoices by primary key whatever the statistics say (issue 17, the
 * 10,000,000-invoice database). A large invoice table is analyzed long before a run: its statistics
 * know no PROCESSING invoice and no billing run, and autovacuum re-analyzes it only after 2 % of it
 * changed (200,000 rows at 10 million), so during a run the planner estimates one PROCESSING
 * invoice where there are thousands. A statement that then filters invoices by status may be
 * planned as a scan of every PROCESSING invoice of the run per batch (what the settle statement did
 * while it guarded on {@code v.status in ('PROCESSING')}). Here the statistics are taken on settled
 * invoices, then 3,000 are moved to PROCESSING unseen, and every charge-path statement is explained
 * with the parameters of a batch of 30, as a custom plan and as the generic plan a prepared
 * statement falls back to: each scan of {@code invoice} must go by {@code invoice_pkey}.
 */
class ChargePathPlanTest {
  @org.junit.jupiter.api.extension.RegisterExtension
  static final TestDatabase db = new TestDatabase();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PARAM = Pattern.compile("(?<![:\\w]):([a-z]+)");
  private static final int BATCH = 30;
  private static List<Long> invoices;
  private static List<Long> attempts;

  @BeforeAll
  static void aLargeTableAnalyzedBeforeTheRun() {
    db.jdbi()
        .useHandle(
            h -> {
              // Autovacuum must not refresh the statistics behind the test's back (a server with
              // autovacuum on would not reach the thresholds with 3,000 changes anyway).
              for (var table : List.of("invoice", "charge_request", "charge_attempt")) {
                h.execute("alter table " + table + " set (autovacuum_enabled = false)");
              }
              h.execute(
                  "insert into customer (currency) select 'EUR' from generate_series(1, 1000)");
              // 200,000 settled invoices of earlier periods, then the 3,000 due of the run, loaded
              // without triggers (history, tallies) as a restore would: only the plans matter here.
              h.execute("set session_replication_role = replica");
              h.execute(
                  """
                  insert into invoice (customer_id, amount_minor, currency, status, billing_period, due_date,
                                       paid_at, attempt_count)
                  select c.id, 1000, 'EUR', 'PAID', '2026-10', date '2026-10-01', timestamptz '2026-10-02', 1
                  from generate_series(1, 200) g cross join customer c
                  """);
              h.execute(
                  """
                  insert into invoice (customer_id, amount_minor, currency, status, billing_period, due_date)
                  select c.id, 1000, 'EUR', 'PENDING', '2026-11', date '2026-11-01'
                  from generate_series(1, 3) g cross join customer c
                  """);
              h.execute("set session_replication_role = default");
              h.execute("analyze");
              // The run, after the statistics: produced and opened, nothing settled yet.
              long run =
                  h.createQuery(
                          """
                          insert into billing_run (period, state, cutoff, started_by, started_at)
                          values ('2026-11', 'CHARGING', date '2026-11-01', 'test', now()) returning id
                          """)
                      .mapTo(Long.class)
                      .one();
              h.execute(
                  "update invoice set status = 'PROCESSING', billing_run_id = ?, charge_available_at = now() where status = 'PENDING'",
                  run);
              h.execute(
                  "insert into charge_request (invoice_id, run_id) select id, ? from invoice where status = 'PROCESSING'",
                  run);
              h.execute(
                  """
                  insert into charge_attempt (invoice_id, attempt_no, idempotency_key, amount_minor, currency, worker, calls)
                  select id, 1, 'key-' || id, amount_minor, currency, 'test', 1 from invoice where status = 'PROCESSING'
                  """);
              invoices =
                  h.createQuery(
                          "select id from invoice where status = 'PROCESSING' order by id limit "
                              + BATCH)
                      .mapTo(Long.class)
                      .list();
              attempts =
                  h.createQuery(
                          "select a.id from charge_attempt a where a.invoice_id = any(?) order by a.invoice_id")
                      .bind(0, invoices.toArray(Long[]::new))
                      .mapTo(Long.class)
                      .list();
            });
    assertThat(invoices).hasSize(BATCH);
    assertThat(attempts).hasSize(BATCH);
  }

  /**
   * The claim finds the invoices waiting to be charged through their own partial index (V100: the
   * invoice row carries its charge request), never by scanning invoices, and updates them by key.
   */
  @org.junit.jupiter.api.Test
  void the_claim_picks_waiting_invoices_by_their_ready_index_and_leases_them_by_primary_key() {
    var args = arguments();
    for (var mode : List.of("force_custom_plan", "force_generic_plan")) {
      var scans = invoiceScans("charging/claim", args, mode);
      assertThat(scans)
          .as("charging/claim (%s): scans of invoice", mode)
          .contains("invoice_charge_ready_idx")
          .allMatch(
              scan -> scan.equals("invoice_charge_ready_idx") || scan.equals("invoice_pkey"),
              "uses invoice_charge_ready_idx or invoice_pkey");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"charging/open-lock", "charging/lock-invoices", "charging/settle"})
  void every_charge_path_statement_reaches_invoices_by_primary_key(String file) {
    var args = arguments();
    for (var mode : List.of("force_custom_plan", "force_generic_plan")) {
      var scans = invoiceScans(file, args, mode);
      assertThat(scans).as("%s (%s): scans of invoice", file, mode).isNotEmpty();
      assertThat(scans)
          .as("%s (%s): every scan of invoice goes by invoice_pkey", file, mode)
          .allMatch(scan -> scan.equals("invoice_pkey"), "uses invoice_pkey");
    }
  }

  /**
   * Issue 26: a charge-path statement reads the clock ({@code charon_now()}, a query of its own,
   * since it cannot be inlined) a fixed number of times, not once per invoice: its SETs use an
   * InitPlan, it sets {@code updated_at} itself, and the history and event rows its triggers write
   * take the invoice's {@code updated_at} (V102). Counted by PostgreSQL's function statistics for a
   * batch of 30, in a transaction that is rolled back: 2 for the claim and 6 for the settle here
   * (its CTEs' InitPlans), where they were one or more per invoice and per trigger before.
   */
  @ParameterizedTest
  @ValueSource(strings = {"charging/claim", "charging/settle"})
  void a_charge_path_statement_reads_the_clock_a_fixed_number_of_times_not_once_per_invoice(
      String file) {
    var sql = SqlFiles.get(file);
    var args = arguments();
    var literal =
        PARAM.matcher(sql).replaceAll(r -> Matcher.quoteReplacement(args.get(r.group(1))));
    db.jdbi()
        .useTransaction(
            h -> {
              h.execute("set local track_functions = 'all'");
              int rows = h.createQuery(literal).mapToMap().list().size();
              long reads =
                  h.createQuery(
                          "select coalesce(sum(calls), 0) from pg_stat_xact_user_functions where funcname = 'charon_now'")
                      .mapTo(Long.class)
                      .one();
              assertThat(rows).as("%s: invoices the statement moved", file).isEqualTo(BATCH);
              assertThat(reads)
                  .as("%s: reads of charon_now() for %d invoices", file, BATCH)
                  .isLessThan(BATCH / 3);
              h.rollback();
            });
  }

  /** The parameters of a batch of 30 PROCESSING invoices: SQL literals by name. */
  private static Map<String, String> arguments() {
    var ids = array(invoices.stream().map(String::valueOf).toList(), "bigint");
    var outcomes = new ArrayList<String>();
    var statuses = new ArrayList<String>();
    var paid = new ArrayList<String>();
    var nulls = new ArrayList<String>();
    var ones = new ArrayList<String>();
    var refs = new ArrayList<String>();
    for (int i = 0; i < BATCH; i++) {
      outcomes.add("'CHARGED'");
      statuses.add("'PAID'");
      paid.add("'2026-11-02T00:00:00Z'");
      nulls.add("null");
      ones.add("1");
      refs.add("'ref-" + i + "'");
    }
    var args = new LinkedHashMap<String, String>();
    args.put("owner", "'worker-1'");
    args.put("lease", "60000");
    args.put("max", String.valueOf(BATCH));
    args.put("ids", ids);
    args.put("hard", array(List.of("'expired_card'", "'lost_card'"), "text"));
    args.put("invoices", ids);
    args.put("attempts", array(attempts.stream().map(String::valueOf).toList(), "bigint"));
    args.put("calls", array(ones, "int"));
    args.put("outcomes", array(outcomes, "text"));
    args.put("refs", array(refs, "text"));
    args.put("statuses", array(statuses, "text"));
    args.put("paid", array(paid, "text"));
    args.put("next", array(nulls, "text"));
    args.put("failures", array(nulls, "text"));
    args.put("reasons", array(refs, "text"));
    args.put("codes", array(nulls, "text"));
    args.put("brands", array(nulls, "text"));
    args.put("advice", array(nulls, "text"));
    args.put("netadvice", array(nulls, "text"));
    args.put("netdecline", array(nulls, "text"));
    args.put("at", array(paid, "text"));
    args.put("worker", "'worker-1'");
    return args;
  }

  private static String array(List<String> elements, String type) {
    return "array[" + String.join(", ", elements) + "]::" + type + "[]";
  }

  /**
   * The index each scan of {@code invoice} uses in the statement's plan ("seq scan" for a
   * sequential one), planned as {@code mode} says: the statement is prepared with its parameters as
   * $n (as the JDBC driver sends it) and explained for the batch's values.
   */
  private static List<String> invoiceScans(String file, Map<String, String> args, String mode) {
    var sql = SqlFiles.get(file);
    var names = new ArrayList<String>();
    Matcher m = PARAM.matcher(sql);
    var prepared = new StringBuilder();
    while (m.find()) {
      var name = m.group(1);
      if (!names.contains(name)) {
        names.add(name);
      }
      m.appendReplacement(prepared, "\\$" + (names.indexOf(name) + 1));
    }
    m.appendTail(prepared);
    var values =
        names.stream()
            .map(
                n -> {
                  assertThat(args).as("a value for :%s in %s", n, file).containsKey(n);
                  return args.get(n);
                })
            .collect(Collectors.joining(", "));
    return db.jdbi()
        .inTransaction(
            h -> {
              h.execute("set local plan_cache_mode = " + mode);
              h.execute("prepare plan_test as " + prepared);
              try {
                var plan =
                    h.createQuery("explain (format json) execute plan_test(" + values + ")")
                        .mapTo(String.class)
                        .one();
                var scans = new ArrayList<String>();
                collect(JSON.readTree(plan).get(0).get("Plan"), scans);
                return scans;
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              } finally {
                deallocate(h);
              }
            });
  }

  private static void deallocate(Handle h) {
    h.execute("deallocate plan_test");
  }

  /**
   * Each scan of {@code invoice} below {@code node}: its index, or its node type when it uses none
   * (a sequential scan). A bitmap heap scan counts as the indexes of its bitmap index scans. The
   * update's own node (ModifyTable) scans nothing.
   */
  private static void collect(JsonNode node, List<String> scans) {
    var type = node.path("Node Type").asText();
    if ("invoice".equals(node.path("Relation Name").asText()) && !type.equals("ModifyTable")) {
      if (type.equals("Bitmap Heap Scan")) {
        bitmapIndexes(node, scans);
      } else {
        scans.add(node.has("Index Name") ? node.get("Index Name").asText() : type);
      }
    }
    for (var child : node.path("Plans")) {
      collect(child, scans);
    }
  }

  private static void bitmapIndexes(JsonNode node, List<String> scans) {
    for (var child : node.path("Plans")) {
      if (child.has("Index Name")) {
        scans.add(child.get("Index Name").asText());
      }
      bitmapIndexes(child, scans);
    }
  }
}
