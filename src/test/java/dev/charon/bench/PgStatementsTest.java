package dev.charon.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The harness's reading of pg_stat_statements and auto_explain (issue 17's profile). */
class PgStatementsTest {
  @Test
  void a_label_is_the_statement_on_one_line_without_comments_at_most_120_characters() {
    assertThat(
            PgStatements.label(
                """
                -- settle a batch
                update invoice i
                   set status = $1, /* paid */ updated_at = $2
                 where i.id = any($3)
                """))
        .isEqualTo("update invoice i set status = $1, updated_at = $2 where i.id = any($3)");
    assertThat(PgStatements.label(PgStatements.HARNESS + "select count(*) from invoice"))
        .isEqualTo("select count(*) from invoice");
    var longOne = "select " + "a, ".repeat(100) + "b from t";
    var label = PgStatements.label(longOne);
    assertThat(label).hasSize(120).startsWith("select a, a,").endsWith("…");
  }

  @Test
  void slow_plans_are_cut_out_of_the_cluster_log() {
    var log =
        """
        2026-12-01 13:00:00.000 UTC [10] LOG:  automatic vacuum of table "bench.public.invoice": index scans: 1
        \tpages: 0 removed, 10 remain
        2026-12-01 13:00:01.000 UTC [11] LOG:  duration: 812.345 ms  plan:
        \tQuery Text: select count(*) from invoice
        \tAggregate  (cost=1.00..2.00 rows=1 width=8)
        \t  ->  Seq Scan on invoice  (cost=0.00..1.00 rows=10 width=0)
        2026-12-01 13:00:02.000 UTC [12] LOG:  checkpoint starting: time
        2026-12-01 13:00:03.000 UTC [11] LOG:  duration: 501.000 ms  plan:
        \tQuery Text: update invoice set status = $1
        \tUpdate on invoice  (cost=0.00..1.00 rows=0 width=0)
        """;

    var plans = PgStatements.slowPlans(log);

    assertThat(plans).hasSize(2);
    assertThat(plans.get(0))
        .startsWith("duration: 812.345 ms  plan:\nQuery Text: select count(*) from invoice\n")
        .endsWith("  ->  Seq Scan on invoice  (cost=0.00..1.00 rows=10 width=0)")
        .doesNotContain("checkpoint", "pages:");
    assertThat(plans.get(1)).contains("Update on invoice");
  }

  @Test
  void the_same_statement_slow_again_is_one_distinct_plan_with_its_count_and_slowest_time() {
    var select = "Query Text: select 1\nResult  (cost=0.00..0.01 rows=1 width=4)";
    var update = "Query Text: update t set a = $1\nUpdate on t";
    var distinct =
        PgStatements.distinctPlans(
            java.util.List.of(
                "duration: 600.5 ms  plan:\n" + select,
                "duration: 700.0 ms  plan:\n" + update,
                "duration: 900.25 ms  plan:\n"
                    + select.replace("cost=0.00..0.01", "cost=0.00..0.02")));

    assertThat(distinct).hasSize(2);
    assertThat(distinct.get(0).count()).isEqualTo(2);
    assertThat(distinct.get(0).maxMs()).isEqualTo(900.25);
    assertThat(distinct.get(0).plan()).startsWith("duration: 600.5 ms");
    assertThat(distinct.get(1).count()).isEqualTo(1);
  }
}
