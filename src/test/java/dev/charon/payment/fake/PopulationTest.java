package dev.charon.payment.fake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.domain.DeclineCode;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class PopulationTest {
  private final Population population = Population.standard(7, YearMonth.of(2026, 1), 12);

  @Test
  void the_same_seed_gives_the_same_customers_and_decisions() {
    var again = Population.standard(7, YearMonth.of(2026, 1), 12);
    var other = Population.standard(8, YearMonth.of(2026, 1), 12);
    var at = Instant.parse("2026-03-09T00:00:00Z");
    long differ = 0;
    for (long id = 1; id <= 2_000; id++) {
      assertThat(again.customer(id)).isEqualTo(population.customer(id));
      assertThat(again.decline(id, id * 10, at)).isEqualTo(population.decline(id, id * 10, at));
      if (!other.customer(id).equals(population.customer(id))) {
        differ++;
      }
    }
    assertThat(differ).as("another seed, another population").isGreaterThan(1_900);
  }

  @Test
  void declines_carry_what_the_card_network_says_and_some_forbid_a_retry() {
    var rules = dev.charon.charging.domain.NetworkRetryRules.published();
    var at = Instant.parse("2026-03-09T00:00:00Z");
    var brands = new java.util.TreeMap<String, Long>();
    long mastercard03 = 0, visaR1 = 0, refused = 0, issuerRefusals = 0;
    for (long id = 1; id <= 10_000; id++) {
      brands.merge(population.brand(id), 1L, Long::sum);
      for (var code : new DeclineCode[] {DeclineCode.DO_NOT_HONOR, DeclineCode.GENERIC_DECLINE}) {
        issuerRefusals++;
        var detail = population.detail(id, id * 10, at, code);
        assertThat(detail).isEqualTo(population.detail(id, id * 10, at, code));
        assertThat(detail.cardBrand()).isEqualTo(population.brand(id));
        if ("03".equals(detail.networkAdviceCode())) {
          assertThat(detail.cardBrand()).isEqualTo("mastercard");
          mastercard03++;
        }
        if ("R1".equals(detail.networkDeclineCode())) {
          assertThat(detail.cardBrand()).isEqualTo("visa");
          visaR1++;
        }
        if (rules.refusal(detail, 1).isPresent()) {
          refused++;
        }
      }
    }
    assertThat(brands.get("visa")).isBetween(5_200L, 5_800L);
    assertThat(brands.get("mastercard")).isBetween(3_200L, 3_800L);
    assertThat(mastercard03).isPositive();
    assertThat(visaR1).isPositive();
    assertThat(refused).isGreaterThanOrEqualTo(mastercard03 + visaR1).isLessThan(issuerRefusals);
    assertThat(population.detail(1, 10, at, DeclineCode.INSUFFICIENT_FUNDS).adviceCode())
        .isEqualTo("try_again_later");
  }

  @Test
  void traits_follow_the_shares() {
    var customers = LongStream.rangeClosed(1, 10_000).mapToObj(population::customer).toList();
    long expiring = customers.stream().filter(c -> c.cardExpires().isPresent()).count();
    long fixing = customers.stream().filter(c -> c.cardReplacedOn().isPresent()).count();
    long payday = customers.stream().filter(Population.Customer::paydayBound).count();
    assertThat(expiring).isBetween(900L, 1_100L);
    assertThat((double) fixing / expiring).isBetween(0.62, 0.78);
    assertThat(payday).isBetween(1_350L, 1_650L);
    assertThat(customers)
        .allSatisfy(
            c -> {
              assertThat(c.propensity()).isBetween(0.0, 0.10);
              c.cardExpires()
                  .ifPresent(
                      e ->
                          assertThat(YearMonth.from(e))
                              .isBetween(YearMonth.of(2026, 1), YearMonth.of(2026, 12)));
            });
  }

  @Test
  void an_expired_card_declines_hard_until_the_customer_replaces_it() {
    var c =
        LongStream.rangeClosed(1, 10_000)
            .mapToObj(population::customer)
            .filter(
                x ->
                    x.cardReplacedOn().isPresent()
                        && !x.paydayBound()
                        && x.cardReplacedOn().get().isAfter(x.cardExpires().get().plusDays(2)))
            .findFirst()
            .orElseThrow();
    var expires = c.cardExpires().orElseThrow();
    var replaced = c.cardReplacedOn().orElseThrow();
    assertThat(population.decline(c.id(), 1, noon(expires.plusDays(1))))
        .contains(DeclineCode.EXPIRED_CARD);
    assertThat(population.decline(c.id(), 1, noon(replaced.minusDays(1))))
        .contains(DeclineCode.EXPIRED_CARD);
    assertThat(population.decline(c.id(), 1, noon(replaced)))
        .isNotEqualTo(java.util.Optional.of(DeclineCode.EXPIRED_CARD));
    assertThat(DeclineCode.EXPIRED_CARD.kind()).isEqualTo(DeclineCode.Kind.HARD);
  }

  @Test
  void a_payday_bound_customer_pays_only_near_their_payday() {
    var onThe15th =
        LongStream.rangeClosed(1, 10_000)
            .mapToObj(population::customer)
            .filter(x -> x.payday() == 15 && x.cardExpires().isEmpty() && x.propensity() < 0.001)
            .findFirst()
            .orElseThrow();
    assertThat(population.decline(onThe15th.id(), 1, noon(LocalDate.of(2026, 4, 1))))
        .contains(DeclineCode.INSUFFICIENT_FUNDS);
    assertThat(population.decline(onThe15th.id(), 1, noon(LocalDate.of(2026, 4, 10))))
        .contains(DeclineCode.INSUFFICIENT_FUNDS);
    assertThat(population.decline(onThe15th.id(), 1, noon(LocalDate.of(2026, 4, 15)))).isEmpty();
    assertThat(population.decline(onThe15th.id(), 1, noon(LocalDate.of(2026, 4, 17)))).isEmpty();
    var onThe1st =
        LongStream.rangeClosed(1, 10_000)
            .mapToObj(population::customer)
            .filter(x -> x.payday() == 1 && x.cardExpires().isEmpty() && x.propensity() < 0.001)
            .findFirst()
            .orElseThrow();
    assertThat(population.decline(onThe1st.id(), 1, noon(LocalDate.of(2026, 4, 2)))).isEmpty();
    assertThat(population.decline(onThe1st.id(), 1, noon(LocalDate.of(2026, 4, 15))))
        .contains(DeclineCode.INSUFFICIENT_FUNDS);
  }

  @Test
  void the_simulator_answers_from_the_population_at_its_clock_time() {
    var c =
        LongStream.rangeClosed(1, 10_000)
            .mapToObj(population::customer)
            .filter(x -> x.payday() == 15 && x.cardExpires().isEmpty() && x.propensity() < 0.001)
            .findFirst()
            .orElseThrow();
    var profile = FaultProfile.builder().population(population).build();
    var onTheTenth =
        new SimulatedPaymentProvider(
            profile, Clock.fixed(noon(LocalDate.of(2026, 4, 10)), ZoneOffset.UTC), d -> {});
    var onPayday =
        new SimulatedPaymentProvider(
            profile, Clock.fixed(noon(LocalDate.of(2026, 4, 15)), ZoneOffset.UTC), d -> {});
    var request = new ChargeRequest(1, c.id(), Money.ofMinor(1_000, Currency.EUR), "k-1");
    assertThat(onTheTenth.charge(request))
        .isEqualTo(
            new ChargeOutcome.Declined(
                "insufficient_funds",
                population.detail(
                    c.id(), 1, noon(LocalDate.of(2026, 4, 10)), DeclineCode.INSUFFICIENT_FUNDS)));
    assertThat(onPayday.charge(request)).isInstanceOf(ChargeOutcome.Charged.class);
  }

  private static Instant noon(LocalDate day) {
    return day.atTime(12, 0).toInstant(ZoneOffset.UTC);
  }
}
