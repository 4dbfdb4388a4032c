package dev.charon.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.charging.domain.Dunning;
import dev.charon.config.DatabaseSettings;
import dev.charon.db.Database;
import dev.charon.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.YearMonth;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The simulator on the real engine and the test clock: the same seed gives the same report. */
class SimulationTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  static final Simulation.Options OPTIONS =
      new Simulation.Options(60, 3, YearMonth.of(2026, 1), 11);

  @Test
  void the_simulation_is_deterministic_for_a_seed(@TempDir Path dir) throws Exception {
    var first = List.of(run(Dunning.parse("1d,3d,7d")), run(Dunning.parse("paydays")));
    var second = List.of(run(Dunning.parse("1d,3d,7d")), run(Dunning.parse("paydays")));
    var report = SimulationReport.markdown(OPTIONS, first);
    System.out.println(report);

    assertThat(SimulationReport.markdown(OPTIONS, second)).isEqualTo(report);
    assertThat(first.getFirst().invoices()).as("one invoice per customer and month").isEqualTo(180);
    assertThat(first.getFirst().declinesByCode()).isNotEmpty();
    SimulationReport.write(dir, OPTIONS, first);
    assertThat(Files.size(dir.resolve("simulation.png"))).isPositive();
    assertThat(Files.readString(dir.resolve("simulation.json")))
        .contains("\"policy\" : \"paydays\"");
  }

  @Test
  void the_report_counts_the_retries_the_card_networks_refused_by_rule() {
    db.clean();
    long customer =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery("insert into customer (currency) values ('EUR') returning id")
                        .mapTo(Long.class)
                        .one());
    var refusal =
        dev.charon.charging.domain.NetworkRetryRules.published()
            .refusal(
                new dev.charon.payment.domain.DeclineDetail(null, "mastercard", null, "03", null),
                1)
            .orElseThrow();
    var reasons =
        List.of(
            "declined (do_not_honor); " + refusal,
            "declined (do_not_honor); " + refusal,
            "declined (insufficient_funds); dunning retry 1 of 3");
    db.jdbi()
        .useHandle(
            h -> {
              for (int i = 0; i < reasons.size(); i++) {
                long invoice =
                    h.createQuery(
                            """
                            insert into invoice (customer_id, amount_minor, currency, status, billing_period, due_date,
                                                 status_reason, status_actor)
                            values (:c, 1000, 'EUR', 'ACTION_REQUIRED', '2026-01', '2026-01-01', 'test', 'test')
                            returning id""")
                        .bind("c", customer)
                        .mapTo(Long.class)
                        .one();
                h.createUpdate(
                        """
                        insert into charge_attempt (invoice_id, attempt_no, idempotency_key, amount_minor, currency,
                                                    outcome, detail, decline_code, worker, calls, completed_at)
                        values (:i, 1, :k, 1000, 'EUR', 'DECLINED', :d, 'do_not_honor', 'test', 1, now())""")
                    .bind("i", invoice)
                    .bind("k", "k" + invoice)
                    .bind("d", reasons.get(i))
                    .execute();
              }
            });

    var result = Simulation.report(db.jdbi(), "1d,3d,7d");

    assertThat(result.networkRefusedRetries()).isEqualTo(2);
    assertThat(result.networkRefusalsByRule())
        .containsExactly(java.util.Map.entry("mastercard network advice code 03", 2L));
    assertThat(SimulationReport.markdown(OPTIONS, List.of(result)))
        .contains("retries the networks refused")
        .contains("| mastercard network advice code 03 |")
        .contains("| 1d,3d,7d | 2 |");
  }

  private Simulation.Result run(Dunning dunning) {
    db.clean();
    // The simulator charges through the worker role, which runs on a Database (a pool of its own).
    try (var database =
        Database.open(
            new DatabaseSettings(
                Optional.of(db.jdbcUrl()),
                TestDatabase.USER,
                TestDatabase.PASSWORD,
                8,
                Path.of("-")),
            "simulation-test")) {
      return Simulation.run(database, dunning, OPTIONS);
    }
  }
}
