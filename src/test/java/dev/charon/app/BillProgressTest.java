package dev.charon.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.billing.BillingRuns;
import dev.charon.billing.domain.BillingRun;
import dev.charon.billing.domain.RunProgress;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BillProgressTest {
  private final StringWriter text = new StringWriter();

  private static RunProgress progress(BillingRun.State state, Map<String, Long> byStatus) {
    var run =
        new BillingRun(
            7,
            YearMonth.of(2026, 11),
            state,
            LocalDate.of(2026, 11, 1),
            "cli",
            50,
            Instant.parse("2026-11-01T00:00:00Z"),
            state == BillingRun.State.FINISHED ? Instant.parse("2026-11-01T00:00:04Z") : null);
    return new RunProgress(
        run,
        byStatus,
        Map.of("EUR", 4_500_00L, "JPY", 1500L),
        Map.of("EUR", 5_000_00L, "JPY", 1500L));
  }

  @Test
  void on_a_terminal_one_line_is_redrawn_in_place() {
    var bar = new BillProgress(new PrintWriter(text), true);
    bar.update(
        progress(BillingRun.State.CHARGING, Map.of("PROCESSING", 1_000L)),
        0,
        Duration.ofSeconds(1));
    bar.update(
        progress(BillingRun.State.CHARGING, Map.of("PAID", 25L, "PROCESSING", 25L)),
        12.5,
        Duration.ofSeconds(2));

    var out = text.toString();
    assertThat(out).doesNotContain("\n").startsWith("\r2026-11 [");
    var lines = out.split("\r");
    assertThat(lines).hasSize(3); // "", first draw, second draw
    assertThat(lines[2])
        .startsWith("2026-11 [###############...............]  50.0%  25/50 settled  12.5/s  0:02");
    assertThat(lines[2]).as("padded over the longer first line").hasSameSizeAs(lines[1]);
  }

  @Test
  void elsewhere_each_update_is_a_plain_line() {
    var plain = new BillProgress(new PrintWriter(text), false);
    plain.update(
        progress(BillingRun.State.CHARGING, Map.of("PAID", 10L, "PROCESSING", 40L)),
        5,
        Duration.ofSeconds(2));
    plain.update(
        progress(BillingRun.State.CHARGING, Map.of("PAID", 50L)), 20, Duration.ofSeconds(62));

    assertThat(text.toString())
        .doesNotContain("\r")
        .isEqualTo(
            "billing 2026-11: 20.0% settled (10/50), 40 in flight, 5.0/s, 0:02 elapsed"
                + System.lineSeparator()
                + "billing 2026-11: 100.0% settled (50/50), 0 in flight, 20.0/s, 1:02 elapsed"
                + System.lineSeparator());
  }

  @Test
  void the_summary_counts_outcomes_totals_money_per_currency_and_reports_throughput() {
    var bar = new BillProgress(new PrintWriter(text), true);
    var done =
        progress(
            BillingRun.State.FINISHED,
            Map.of("PAID", 45L, "RETRY_SCHEDULED", 3L, "ACTION_REQUIRED", 2L));
    bar.update(done, 12.5, Duration.ofSeconds(4));
    // The run's own span: its first attempt to its last outcome, whenever it started.
    var first = Instant.parse("2026-11-01T00:10:00Z");
    bar.summary(done, new BillingRuns.ChargeTiming(first, first.plusSeconds(4), 50));

    var out = text.toString();
    assertThat(out)
        .contains(
            "0:04"
                + System.lineSeparator()
                + "billing run 7 for 2026-11: FINISHED (started by cli");
    var lines = out.substring(out.indexOf("billing run")).lines().toList();
    assertThat(lines.get(1)).matches("\\s+outcome\\s+invoices");
    assertThat(lines.subList(2, 6))
        .satisfiesExactly(
            l -> assertThat(l).matches("\\s+PAID\\s+45"),
            l -> assertThat(l).matches("\\s+RETRY_SCHEDULED\\s+3"),
            l -> assertThat(l).matches("\\s+ACTION_REQUIRED\\s+2"),
            l -> assertThat(l).matches("\\s+total\\s+50"));
    assertThat(lines.get(6)).matches("\\s+currency\\s+billed\\s+paid");
    assertThat(lines.get(7)).matches("\\s+EUR\\s+5000.00\\s+4500.00");
    assertThat(lines.get(8)).as("JPY has no minor unit").matches("\\s+JPY\\s+1500\\s+1500");
    assertThat(lines.get(9)).isEqualTo("  elapsed 0:04, throughput 12.5 invoices/s");
  }

  @Test
  void a_run_with_no_invoices_is_complete_and_has_no_money_table() {
    var empty =
        new RunProgress(
            progress(BillingRun.State.FINISHED, Map.of()).run(), Map.of(), Map.of(), Map.of());
    var plain = new BillProgress(new PrintWriter(text), false);
    plain.update(empty, 0, Duration.ZERO);
    plain.summary(empty, null);
    assertThat(text.toString())
        .contains("100.0% settled (0/0)")
        .containsPattern("total\\s+0")
        .doesNotContain("currency")
        .contains("throughput - invoices/s");
  }

  @Test
  void while_the_run_is_still_producing_it_says_so_and_an_empty_total_is_not_complete() {
    var plain = new BillProgress(new PrintWriter(text), false);
    plain.update(progress(BillingRun.State.PRODUCING, Map.of()), 0, Duration.ZERO);
    var bar = new BillProgress(new PrintWriter(text), true);
    bar.update(progress(BillingRun.State.STARTED, Map.of()), 0, Duration.ZERO);
    assertThat(text.toString())
        .startsWith("billing 2026-11 (producing): 0.0% settled (0/0)")
        .contains("\r2026-11 producing [..............................]   0.0%  0/0 settled");
  }

  @Test
  void elapsed_time_reads_like_a_clock() {
    assertThat(BillProgress.clock(Duration.ofSeconds(7))).isEqualTo("0:07");
    assertThat(BillProgress.clock(Duration.ofSeconds(754))).isEqualTo("12:34");
    assertThat(BillProgress.clock(Duration.ofSeconds(3723))).isEqualTo("1:02:03");
  }
}
