package dev.charon.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.charon.payment.domain.DeclineCode;
import dev.charon.payment.fake.FaultProfile;
import dev.charon.payment.fake.Population;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway started with a population model (as {@code gateway --population-seed}) answers over
 * HTTP what the population decides for each customer, with its decline codes.
 */
class GatewayPopulationTest {
  @TempDir Path dir;

  @Test
  void the_gateway_answers_each_charge_as_the_seeded_population_decides() throws Exception {
    // Cards expire from the month before, so some customers are past their expiry today.
    var start = YearMonth.now(Clock.systemUTC()).minusMonths(1);
    var population = Population.standard(7, start, 1);
    var day = LocalDate.now(ZoneOffset.UTC);
    var answered = new TreeMap<Long, String>();
    var predicted = new TreeMap<Long, String>();
    try (var gateway =
        TestGateway.start(
            dir.resolve("journal.jsonl"), FaultProfile.builder().population(population).build())) {
      for (long customer = 1; customer <= 400; customer++) {
        long invoice = 10_000 + customer;
        var reply = gateway.charge("k-" + customer, invoice, customer, 1_000, "EUR");
        var outcome = reply.json().path("outcome").asText();
        answered.put(
            customer, outcome.equals("declined") ? reply.json().path("reason").asText() : outcome);
        predicted.put(
            customer,
            population
                .decline(customer, invoice, Clock.systemUTC().instant())
                .map(DeclineCode::code)
                .orElse("charged"));
      }
    }
    // The population decides by the day: a run across midnight compares two days' answers.
    assumeTrue(day.equals(LocalDate.now(ZoneOffset.UTC)), "ran across midnight UTC");
    var counts = new TreeMap<String, Integer>();
    answered.values().forEach(a -> counts.merge(a, 1, Integer::sum));
    System.out.printf("gateway answers for 400 customers: %s%n", counts);
    assertThat(answered).as("customer by customer").isEqualTo(predicted);
    assertThat(counts).containsKeys("charged", "expired_card", "insufficient_funds");
  }

  @Test
  void a_config_patch_keeps_the_population_it_does_not_name() throws Exception {
    var start = YearMonth.now(Clock.systemUTC()).minusMonths(1);
    var population = Population.standard(7, start, 1);
    try (var gateway =
        TestGateway.start(
            dir.resolve("journal.jsonl"), FaultProfile.builder().population(population).build())) {
      var before = gateway.get("/admin/config").json();

      var patched = gateway.send("PUT", "/admin/config", "{\"latencyMs\":0,\"seed\":99}");

      assertThat(patched.status()).isEqualTo(200);
      assertThat(patched.json().path("seed").asLong()).as("the named field").isEqualTo(99);
      assertThat(gateway.get("/admin/config").json().path("population"))
          .as("the population, which the patch does not name")
          .isEqualTo(before.path("population"))
          .isNotEmpty();
      // And the gateway still answers by it: customers the population declines stay declined.
      var now = Clock.systemUTC().instant();
      long declinedBy = 0, declinedAfterPatch = 0;
      for (long customer = 1; customer <= 200; customer++) {
        long invoice = 20_000 + customer;
        if (population.decline(customer, invoice, now).isPresent()) {
          declinedBy++;
          var reply = gateway.charge("p-" + customer, invoice, customer, 1_000, "EUR");
          if (reply.json().path("outcome").asText().equals("declined")) {
            declinedAfterPatch++;
          }
        }
      }
      assertThat(declinedBy).isPositive();
      assertThat(declinedAfterPatch).isEqualTo(declinedBy);
    }
  }
}
