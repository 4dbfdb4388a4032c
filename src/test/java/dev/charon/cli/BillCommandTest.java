package dev.charon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.config.Env;
import dev.charon.money.Currency;
import dev.charon.testing.Fixtures;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** {@code charon bill} in-process against a real database, charging through the simulator. */
class BillCommandTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static final YearMonth NOVEMBER = YearMonth.of(2026, 11);

  // Real time passing (rates and elapsed mean something), starting mid-November 2026.
  private final Clock clock =
      Clock.offset(
          Clock.systemUTC(),
          Duration.between(Clock.systemUTC().instant(), Instant.parse("2026-11-15T12:00:00Z")));
  private final Fixtures fixtures = new Fixtures(db.jdbi());
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private final List<Long> customers = new ArrayList<>();

  @BeforeEach
  void setUp() {
    db.clean();
    for (int i = 0; i < 50; i++) {
      long customer = fixtures.customer(i % 5 == 0 ? Currency.JPY : Currency.EUR);
      customers.add(customer);
      fixtures.invoice().forCustomer(customer).amount(1000 + i).period(NOVEMBER).create();
    }
  }

  private int bill(boolean tty, Map<String, String> extraEnv, String... args) {
    var env = new HashMap<>(db.processEnv());
    env.putAll(extraEnv);
    var cli = new CommandLine(new BillCommand(new Env(env), clock, tty, Duration.ofMillis(50)));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void bills_a_fifty_invoice_run_to_the_end_with_plain_progress_lines_and_a_summary() {
    // Two customers the provider does not know: failures are outcomes, not an error exit.
    var unknown =
        Map.of("CHARON_SIM_CUSTOMERS_NOT_FOUND", customers.get(1) + "," + customers.get(2));

    int exit = bill(false, unknown, "--period", "2026-11", "--workers", "8");

    assertThat(exit).as(err.toString()).isZero();
    var text = out.toString();
    assertThat(text)
        .doesNotContain("\r")
        .contains("started billing run 1 for 2026-11 (cut-off 2026-11-15)");
    assertThat(text.lines().filter(l -> l.startsWith("billing 2026-11: ")).toList())
        .isNotEmpty()
        .last()
        .asString()
        .startsWith("billing 2026-11: 100.0% settled (50/50), 0 in flight");
    assertThat(text).containsPattern("billing run 1 for 2026-11: FINISHED \\(started by cli");
    assertThat(text)
        .containsPattern("\\s+PAID\\s+48\\n")
        .containsPattern("\\s+ACTION_REQUIRED\\s+2\\n")
        .containsPattern("\\s+total\\s+50\\n");
    assertThat(text)
        .containsPattern(
            "\\s+EUR\\s+" + decimal("EUR", false) + "\\s+" + decimal("EUR", true) + "\\n");
    assertThat(text)
        .containsPattern(
            "\\s+JPY\\s+" + decimal("JPY", false) + "\\s+" + decimal("JPY", true) + "\\n");
    assertThat(text).containsPattern("elapsed \\d+:\\d\\d, throughput [0-9.]+ invoices/s");
    assertThat(count("select count(*) from invoice where status = 'PAID'")).isEqualTo(48);
    assertThat(count("select count(*) from charge_request")).isZero();
    assertThat(
            count(
                "select count(*) from billing_run where state = 'FINISHED' and started_by = 'cli'"))
        .isEqualTo(1);
  }

  @Test
  void with_the_test_clock_this_month_and_the_run_s_times_are_the_test_clock_s() {
    db.jdbi()
        .useHandle(h -> h.execute("insert into test_clock (now) values ('2026-11-20T10:00:00Z')"));
    var env = new HashMap<>(db.processEnv());
    env.put("CHARON_TEST_CLOCK", "true");
    // No clock handed in: the command reads the deployment's, as 'charon bill' does.
    var cli = new CommandLine(new BillCommand(new Env(env), null, false, Duration.ofMillis(50)));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));

    int exit = cli.execute("--workers", "4");

    assertThat(exit).as(err.toString()).isZero();
    assertThat(out.toString()).contains("started billing run 1 for 2026-11 (cut-off 2026-11-20)");
    assertThat(count("select count(*) from billing_run where started_at = '2026-11-20T10:00:00Z'"))
        .isEqualTo(1);
    assertThat(count("select count(*) from invoice where status = 'PAID'")).isEqualTo(50);
  }

  @Test
  void on_a_terminal_the_progress_bar_is_redrawn_and_then_the_summary_follows() {
    int exit = bill(true, Map.of(), "--period", "2026-11", "--workers", "4");

    assertThat(exit).as(err.toString()).isZero();
    var text = out.toString();
    assertThat(text).contains("\r2026-11 [").contains("50/50 settled");
    assertThat(text)
        .containsPattern(
            "\\[#{30}\\] 100\\.0%  50/50 settled .*\\n(?s).*billing run 1 for 2026-11: FINISHED");
    assertThat(text).containsPattern("\\s+PAID\\s+50\\n");
  }

  @Test
  void a_resumed_run_reports_its_own_elapsed_time_and_throughput_not_the_time_since_it_started() {
    // A run started ten minutes ago, enqueued, and left (a demo stopped by --exit-after, say).
    var tenMinutesAgo = Clock.offset(clock, Duration.ofMinutes(-10));
    var earlier =
        new dev.charon.billing.BillingRuns(
            db.jdbi(), tenMinutesAgo, java.time.ZoneOffset.UTC, 1000, new SimpleMeterRegistry());
    earlier.produce(earlier.startOrJoin(NOVEMBER, "earlier").run());

    assertThat(bill(false, Map.of(), "--period", "2026-11", "--workers", "8"))
        .as(err.toString())
        .isZero();

    var text = out.toString();
    assertThat(text).contains("resuming billing run 1 for 2026-11");
    var summary =
        java.util.regex.Pattern.compile("elapsed (\\d+):(\\d\\d), throughput ([0-9.]+) invoices/s")
            .matcher(text);
    assertThat(summary.find()).as(text).isTrue();
    long elapsedSeconds = Long.parseLong(summary.group(1)) * 60 + Long.parseLong(summary.group(2));
    // First attempt to last outcome: seconds for 50 invoices, not the ten minutes since the start.
    assertThat(elapsedSeconds).as(text).isLessThan(60);
    assertThat(Double.parseDouble(summary.group(3))).as(text).isGreaterThan(50.0 / 60);
  }

  @Test
  void billing_a_finished_period_again_reports_the_run_and_charges_nobody_twice() {
    assertThat(bill(false, Map.of(), "--period", "2026-11", "--workers", "4")).isZero();
    long attempts = count("select count(*) from charge_attempt");
    out.getBuffer().setLength(0);

    assertThat(bill(false, Map.of(), "--period", "2026-11", "--workers", "4")).isZero();

    assertThat(out.toString())
        .contains("resuming billing run 1 for 2026-11 (FINISHED, started by cli")
        .containsPattern("\\s+PAID\\s+50\\n");
    assertThat(count("select count(*) from charge_attempt")).isEqualTo(attempts);
    assertThat(count("select count(*) from billing_run")).isEqualTo(1);
  }

  @Test
  void a_bad_period_is_a_usage_error_naming_the_option() {
    assertThat(bill(false, Map.of(), "--period", "2026-13")).isEqualTo(2);
    assertThat(err.toString()).contains("--period").contains("2026-13");
    assertThat(bill(false, Map.of(), "--period", "2026-12")).as("the future").isEqualTo(2);
    assertThat(err.toString()).contains("2026-12 is in the future");
    assertThat(count("select count(*) from billing_run")).isZero();
  }

  @Test
  void a_database_that_cannot_be_reached_is_exit_2_with_one_clear_line() {
    // The pool keeps trying for CHARON_DB_CONNECT_TIMEOUT (10 s by default) before it gives up.
    long started = System.nanoTime();
    int exit =
        bill(
            false,
            Map.of(
                "CHARON_DB_URL",
                "jdbc:postgresql://127.0.0.1:1/nowhere",
                "CHARON_DB_CONNECT_TIMEOUT",
                "1s"),
            "--period",
            "2026-11");
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .as("gave up after the configured timeout, not the default 10 s")
        .isLessThan(Duration.ofSeconds(8));
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("charon bill: cannot connect to jdbc:postgresql://127.0.0.1:1/nowhere");
  }

  @Test
  void a_bad_setting_is_exit_2_naming_the_variable() {
    assertThat(bill(false, Map.of("CHARON_BILLING_ZONE", "Nowhere/Atlantis"))).isEqualTo(2);
    assertThat(err.toString()).contains("CHARON_BILLING_ZONE=Nowhere/Atlantis");
  }

  private String decimal(String currency, boolean paidOnly) {
    var minor =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "select coalesce(sum(amount_minor), 0) from invoice where currency = :c"
                                + (paidOnly ? " and status = 'PAID'" : ""))
                        .bind("c", currency)
                        .mapTo(Long.class)
                        .one());
    return java.math.BigDecimal.valueOf(minor, Currency.valueOf(currency).minorUnit())
        .toPlainString()
        .replace(".", "\\.");
  }

  private long count(String sql) {
    return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
  }
}
