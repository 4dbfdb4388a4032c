package dev.charon.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The benchmark harness in its quick mode, on the jar this build just packaged, so that the harness
 * cannot rot: every scenario runs at a small size on the harness's own PostgreSQL cluster, and the
 * results file must hold every figure BENCHMARKS.md is rendered from. Figures are not judged here
 * (timings are not pass/fail); the run's own correctness is: everything charged, audit clean.
 */
class BenchQuickIT {
  private static final List<String> CHARGE_FIELDS =
      List.of(
          "invoices",
          "charged",
          "span_s",
          "invoices_per_s",
          "wall_s",
          "production/invoices_per_s",
          "batches/open_mean",
          "batches/record_mean",
          "cpu_s/workers",
          "cpu_s/producer",
          "cpu_s/gateway",
          "cpu_s/postgres_backends",
          "cpu_s/postgres_other",
          "cpu_ms_per_invoice/workers",
          "cpu_ms_per_invoice/producer",
          "cpu_ms_per_invoice/gateway",
          "cpu_ms_per_invoice/postgres_backends",
          "cpu_ms_per_invoice/postgres_other",
          "cpu_ms_per_invoice/charon",
          "charon_invoices_per_s_per_core",
          "machine/busy_cpu_s",
          "machine/others_cpu_s",
          "machine/loadavg_start",
          "machine/loadavg_end",
          "row_writes_per_invoice/invoice/updated",
          "row_writes_per_invoice/invoice_history/inserted",
          "row_writes_per_invoice/charge_attempt/inserted",
          "row_writes_per_invoice/total",
          "audit_exit");

  @Test
  void quick_mode_writes_every_figure_and_renders_benchmarks_md_from_it() throws Exception {
    var out = Path.of("target/bench-quick");
    var bench = new Bench();
    int exit =
        new CommandLine(bench)
            .execute(
                "--mode",
                "quick",
                "--jar",
                "target/charon.jar",
                "--commit",
                "HEAD",
                "--e2e-invoices",
                "1000",
                "--large-invoices",
                "1000",
                "--big-background-invoices",
                "5000",
                "--big-due-invoices",
                "1000",
                "--scenarios",
                "e2e,ceiling,large,bigdb,clients",
                "--client-calls",
                "1000",
                "--profile",
                "--pg-port",
                System.getProperty("bench.pgPort", "5459"),
                "--results-dir",
                out.toString(),
                "--benchmarks-md",
                out.resolve("BENCHMARKS.md").toString());
    assertThat(exit).isZero();

    var results = Bench.JSON.readTree(bench.written.toFile());
    assertThat(bench.written.getFileName().toString())
        .endsWith("-" + results.at("/run/commit").asText() + ".json");
    assertThat(results.at("/machine/loadavg_start").asText()).isNotBlank();
    assertThat(results.at("/cluster/settings/autovacuum").asText()).isEqualTo("on");
    var scenarios = results.path("scenarios");
    assertThat(scenarios.fieldNames())
        .toIterable()
        .containsExactly("e2e_w1", "ceiling_c2", "large", "big_database", "clients");
    for (var name : List.of("e2e_w1", "large", "big_database")) {
      var s = scenarios.path(name);
      for (var field : CHARGE_FIELDS) {
        assertThat(s.at("/" + field).isMissingNode()).as(name + " has " + field).isFalse();
      }
      assertThat(s.path("charged").asLong())
          .as(name + ": every invoice charged")
          .isEqualTo(s.path("invoices").asLong());
      assertThat(s.path("audit_exit").asInt()).as(name + ": audit reconciles").isZero();
      for (var process : List.of("workers", "producer", "gateway", "postgres_backends")) {
        assertThat(s.at("/cpu_s/" + process).asDouble())
            .as(name + ": " + process + " used CPU")
            .isPositive();
      }
    }
    // The money-back scenario: every charged invoice refunded, the audit netting it.
    var refund = scenarios.path("e2e_w1").path("refund");
    assertThat(refund.path("succeeded").asLong())
        .as("e2e_w1: every charged invoice refunded (quick mode charges fewer than the cap)")
        .isEqualTo(scenarios.path("e2e_w1").path("charged").asLong());
    assertThat(refund.path("audit_exit").asInt()).as("e2e_w1: audit after refunds").isZero();
    assertThat(refund.path("refunds_per_s").asDouble()).isPositive();
    assertThat(refund.at("/cpu_s/workers").asDouble()).isPositive();
    assertThat(refund.at("/row_writes_per_invoice/refund/inserted").asDouble()).isEqualTo(1.0);
    // The table intake leases the invoice row itself (issue 26): no charge_request row written.
    assertThat(scenarios.at("/e2e_w1/row_writes_per_invoice/charge_request").isMissingNode())
        .as("e2e_w1 wrote no charge_request rows")
        .isTrue();
    var big = scenarios.path("big_database");
    assertThat(big.at("/cpu_s/server").asDouble()).isPositive();
    for (var path : BigDatabase.PROBES) {
      assertThat(big.path("reads_idle").path(path).path("requests").asInt()).isPositive();
      assertThat(big.path("reads_during_run").path(path).path("p95_ms").isNumber()).isTrue();
    }
    var ceiling = scenarios.path("ceiling_c2");
    // pgbench runs a fixed number of batches; SKIP LOCKED may leave the last ones short.
    assertThat(ceiling.path("paid").asLong())
        .as("the ceiling paid the run")
        .isGreaterThanOrEqualTo(900);
    assertThat(ceiling.at("/cpu_s/pgbench").asDouble()).isPositive();
    assertThat(ceiling.path("invoices_per_s").asDouble()).isPositive();
    for (var client : List.of("jdk_httpclient", "jetty_client", "reactor_netty_client")) {
      var c = scenarios.path("clients").path(client);
      assertThat(c.path("failed").asLong()).as(client + " failed calls").isZero();
      assertThat(c.path("client_cpu_us_per_call").asDouble()).as(client).isPositive();
      assertThat(c.path("gateway_cpu_us_per_call").asDouble()).as(client).isPositive();
    }
    // The profile: PostgreSQL's statements in every charge scenario and the ceiling, the JVMs'
    // threads and JFR samples in e2e.
    for (var name : List.of("e2e_w1", "large", "big_database", "ceiling_c2")) {
      var st = scenarios.path(name).at("/profile/pg_statements");
      assertThat(st.path("toplevel_exec_ms").asDouble()).as(name + " statement time").isPositive();
      assertThat(st.path("top").findValuesAsText("label"))
          .as(name + " top statements")
          .anyMatch(label -> label.contains("charge_"));
      assertThat(scenarios.path(name).at("/profile/slow_plans/count").isInt())
          .as(name + " slow plans counted")
          .isTrue();
    }
    var jvm = scenarios.path("e2e_w1").at("/profile/jvm");
    for (var process : List.of("worker1", "gateway")) {
      assertThat(jvm.at("/" + process + "/threads_cpu/user_s").asDouble())
          .as(process + " threads' CPU")
          .isPositive();
      assertThat(jvm.at("/" + process + "/jfr/samples").asLong())
          .as(process + " JFR samples in the window")
          .isPositive();
      assertThat(Path.of(jvm.at("/" + process + "/jfr_file").asText())).exists();
    }
    assertThat(jvm.at("/worker1/jfr/buckets").findValuesAsText("bucket"))
        .contains("Charon", "JDBC (pgjdbc)");

    assertThat(results.path("targets")).hasSizeGreaterThanOrEqualTo(5);
    for (JsonNode t : results.path("targets")) {
      assertThat(t.has("met") && t.has("measured") && t.has("target")).as(t.toString()).isTrue();
    }

    var md = Files.readString(out.resolve("BENCHMARKS.md"));
    assertThat(md)
        .contains(
            out.relativize(out).toString(),
            bench.written.getFileName().toString(),
            "e2e_w1",
            "ceiling_c2",
            "big_database",
            results.at("/scenarios/e2e_w1/cpu_ms_per_invoice/charon").asText(),
            "## Where the time goes",
            "JFR samples by bucket");
  }
}
