package dev.charon.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The chaos suite's own checks: a scenario whose fault did not happen or whose run never settled
 * fails.
 */
class ChaosHarnessTest {
  private static final Verdict.Outcome ALL_ZERO = new Verdict.Outcome(0, 0, 0, 0, true);
  private static final Settle SETTLED = new Settle(true, Duration.ofSeconds(1), "");
  private final AtomicLong outstanding = new AtomicLong(10);

  private Faults faults() {
    return new Faults(new Random(1), 100, () -> 100, outstanding::get, Duration.ofSeconds(1));
  }

  @Test
  void a_verified_fault_mid_run_on_a_settled_clean_run_passes() {
    var faults = faults();
    faults.strike(
        () -> faults.evidence("backends terminated", Verify.positive("backends terminated", 3)));

    var verdict = Verdict.of(SETTLED, faults, ALL_ZERO);

    assertThat(verdict.failures()).isEmpty();
    assertThat(faults).hasToString("1/1");
    assertThat(faults.evidence()).isEqualTo("3 backends terminated");
  }

  @Test
  void a_fault_that_touched_nothing_fails_the_scenario() {
    var faults = faults();
    faults.strike(
        () -> faults.evidence("backends terminated", Verify.positive("backends terminated", 0)));

    var verdict = Verdict.of(SETTLED, faults, ALL_ZERO);

    assertThat(verdict.passed()).isFalse();
    assertThat(verdict.failures()).singleElement().asString().contains("backends terminated: 0");
    assertThat(faults).hasToString("0/0 +1 unverified");
  }

  @Test
  void a_fault_command_that_exits_non_zero_fails_the_scenario() {
    var faults = faults();
    faults.strike(
        () ->
            Verify.exitZero(
                "bash", "-c", "echo 'Error: unable to perform an operation on node'; exit 69"));

    var verdict = Verdict.of(SETTLED, faults, ALL_ZERO);

    assertThat(verdict.failures())
        .singleElement()
        .asString()
        .contains("exited 69")
        .contains("unable to perform");
  }

  @Test
  void a_fault_that_met_no_outstanding_work_fails_the_scenario() {
    var faults = faults();
    outstanding.set(0); // the run finished before the fault landed
    faults.strike(() -> {});

    assertThat(Verdict.of(SETTLED, faults, ALL_ZERO).failures())
        .singleElement()
        .asString()
        .contains("only 0 of 1 faults struck while work was outstanding");
  }

  @Test
  void outstanding_work_is_read_after_the_fault_lands() {
    var faults = faults();
    faults.strike(() -> outstanding.set(0)); // work was left before, none after

    assertThat(faults.midRun()).isZero();
  }

  @Test
  void a_lasting_fault_counts_mid_run_by_what_it_read_when_it_landed() {
    var faults = faults();
    // A rolling deploy: work was outstanding when SIGTERM landed; the drain then finished the run.
    faults.strike(
        0,
        2,
        (Faults.LastingFault)
            () -> {
              boolean landedMidRun = outstanding.get() > 0;
              outstanding.set(0);
              return landedMidRun;
            });
    // One that landed on an idle system is not mid-run, whatever came after.
    faults.strike(0, 2, (Faults.LastingFault) () -> false);

    assertThat(faults).hasToString("1/2");
    assertThat(Verdict.of(SETTLED, faults, ALL_ZERO).failures())
        .singleElement()
        .asString()
        .contains("only 1 of 2 faults struck while work was outstanding");
  }

  @Test
  void a_fault_whose_place_in_the_run_is_never_reached_fails_the_scenario() {
    var stalled = new Faults(new Random(1), 100, () -> 0, outstanding::get, Duration.ofMillis(200));
    stalled.strike(0, 1, () -> {});

    assertThat(Verdict.of(SETTLED, stalled, ALL_ZERO).failures())
        .singleElement()
        .asString()
        .contains("never struck");
  }

  @Test
  void a_settle_wait_that_cannot_finish_fails_the_scenario() {
    var settle =
        Settle.await(
            Duration.ofMillis(300),
            Duration.ofMillis(50),
            () -> false,
            () -> "3 invoices PROCESSING");

    var verdict = Verdict.of(settle, faults(), ALL_ZERO);

    assertThat(settle.settled()).isFalse();
    assertThat(verdict.failures())
        .singleElement()
        .asString()
        .contains("did not settle")
        .contains("3 invoices PROCESSING");
  }

  @Test
  void a_settle_check_that_throws_keeps_waiting_instead_of_passing() {
    var calls = new AtomicLong();
    var settle =
        Settle.await(
            Duration.ofSeconds(5),
            Duration.ofMillis(10),
            () -> {
              if (calls.incrementAndGet() < 3) {
                throw new IllegalStateException("database restarting");
              }
              return true;
            },
            () -> "");

    assertThat(settle.settled()).isTrue();
    assertThat(calls).hasValue(3);
  }

  @Test
  void any_nonzero_figure_fails_the_scenario() {
    assertThat(Verdict.of(SETTLED, null, new Verdict.Outcome(1, 0, 0, 0, true)).failures())
        .hasSize(1);
    assertThat(Verdict.of(SETTLED, null, new Verdict.Outcome(0, 1, 0, 0, true)).failures())
        .hasSize(1);
    assertThat(Verdict.of(SETTLED, null, new Verdict.Outcome(0, 0, 1, 0, true)).failures())
        .hasSize(1);
    assertThat(Verdict.of(SETTLED, null, new Verdict.Outcome(0, 0, 0, 1, true)).failures())
        .hasSize(1);
    assertThat(Verdict.of(SETTLED, null, new Verdict.Outcome(0, 0, 0, 0, false)).failures())
        .hasSize(1);
  }

  @Test
  void the_ci_run_gives_the_two_transport_scenarios_each_transport_in_turn() {
    var transports =
        java.util.stream.IntStream.of(1, 2, 3, 6, 7, 8).mapToObj(ChaosIT::transportInCi).toList();

    assertThat(transports)
        .containsExactly(
            ChaosCluster.Transport.RABBITMQ,
            ChaosCluster.Transport.POSTGRES,
            ChaosCluster.Transport.RABBITMQ,
            ChaosCluster.Transport.POSTGRES,
            ChaosCluster.Transport.RABBITMQ,
            ChaosCluster.Transport.POSTGRES);
  }
}
