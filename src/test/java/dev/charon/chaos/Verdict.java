package dev.charon.chaos;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether a scenario passed, from its figures: the run settled, every fault verified and struck
 * while work was outstanding, and zero duplicates, lost, stuck and currency mismatches with an
 * audit that reconciles. The scenario writes its row first and asserts {@link #failures} empty.
 */
record Verdict(List<String> failures) {

  /** What the audit and the database said after the run. */
  record Outcome(
      long duplicates, long lost, long stuck, long currencyMismatches, boolean auditOk) {}

  static Verdict of(Settle settle, Faults faults, Outcome outcome) {
    var failures = new ArrayList<String>();
    if (!settle.settled()) {
      failures.add("the run did not settle: " + settle.describe());
    }
    if (faults != null) {
      failures.addAll(faults.unverified());
      if (faults.midRun() != faults.struck()) {
        failures.add(
            "only "
                + faults.midRun()
                + " of "
                + faults.struck()
                + " faults struck while work was outstanding");
      }
    }
    if (outcome.duplicates() != 0) {
      failures.add(outcome.duplicates() + " invoices charged more than once");
    }
    if (outcome.lost() != 0) {
      failures.add(outcome.lost() + " invoices lost");
    }
    if (outcome.stuck() != 0) {
      failures.add(
          outcome.stuck() + " stuck (invoices PROCESSING, requests or broker messages left)");
    }
    if (outcome.currencyMismatches() != 0) {
      failures.add(outcome.currencyMismatches() + " currencies whose totals differ");
    }
    if (!outcome.auditOk()) {
      failures.add("charon audit found differences");
    }
    return new Verdict(List.copyOf(failures));
  }

  boolean passed() {
    return failures.isEmpty();
  }
}
