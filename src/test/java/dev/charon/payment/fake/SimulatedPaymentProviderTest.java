package dev.charon.payment.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.charon.money.Currency;
import dev.charon.money.Money;
import dev.charon.payment.PaymentProviderException;
import dev.charon.payment.domain.ChargeOutcome;
import dev.charon.payment.domain.ChargeRequest;
import dev.charon.payment.domain.DeclineCode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SimulatedPaymentProviderTest {
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-02-01T00:00:00Z"), ZoneOffset.UTC);
  final List<Duration> slept = Collections.synchronizedList(new ArrayList<>());

  SimulatedPaymentProvider provider(FaultProfile profile) {
    return new SimulatedPaymentProvider(profile, CLOCK, slept::add);
  }

  static ChargeRequest request(String key, long invoiceId) {
    return new ChargeRequest(invoiceId, 100 + invoiceId, Money.ofMinor(1_000, Currency.EUR), key);
  }

  @Test
  void fault_free_provider_charges_and_records_it() {
    var sim = provider(FaultProfile.none());

    var outcome = sim.charge(request("k-1", 1));

    assertThat(outcome).isInstanceOf(ChargeOutcome.Charged.class);
    assertThat(sim.ledger())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.outcome()).isEqualTo(outcome);
              assertThat(e.at()).isEqualTo(CLOCK.instant());
            });
  }

  @Test
  void same_key_replays_the_first_result_without_charging_again() {
    var sim = provider(FaultProfile.none());
    var first = sim.charge(request("k-1", 1));
    sim.configure(FaultProfile.builder().declineRate(1).build());

    assertThat(sim.charge(request("k-1", 1))).isEqualTo(first);
    assertThat(sim.successfulCharges(1)).isEqualTo(1);
    assertThat(sim.requests()).isEqualTo(2);
  }

  @Test
  void same_key_with_other_parameters_is_a_bug_and_throws() {
    var sim = provider(FaultProfile.none());
    sim.charge(request("k-1", 1));

    assertThatThrownBy(() -> sim.charge(request("k-1", 2)))
        .isInstanceOf(PaymentProviderException.class)
        .hasMessageContaining("k-1");
  }

  @Test
  void decline_rate_declines_about_that_share_of_keys() {
    var sim = provider(FaultProfile.builder().declineRate(0.2).build());

    long declined =
        IntStream.range(0, 10_000)
            .mapToObj(i -> sim.charge(request("k-" + i, i + 1)))
            .filter(ChargeOutcome.Declined.class::isInstance)
            .count();

    assertThat(declined).isBetween(1_800L, 2_200L);
  }

  @Test
  void listed_customers_are_not_found_or_mismatched() {
    var sim =
        provider(
            FaultProfile.builder()
                .customersNotFound(Set.of(101L))
                .currencyMismatch(Set.of(102L))
                .build());

    assertThat(sim.charge(request("a", 1))).isInstanceOf(ChargeOutcome.CustomerNotFound.class);
    assertThat(sim.charge(request("b", 2))).isInstanceOf(ChargeOutcome.CurrencyMismatch.class);
    assertThat(sim.charge(request("c", 3))).isInstanceOf(ChargeOutcome.Charged.class);
  }

  @Test
  void same_seed_and_keys_give_the_same_outcomes_in_any_order() throws InterruptedException {
    var faults =
        FaultProfile.builder()
            .seed(42)
            .declineRate(0.3)
            .timeoutRate(0.1)
            .networkErrorRate(0.1)
            .build();
    var keys = IntStream.rangeClosed(1, 2_000).boxed().toList();
    var inOrder = new ConcurrentHashMap<Integer, ChargeOutcome>();
    var sequential = provider(faults);
    keys.forEach(i -> inOrder.put(i, sequential.charge(request("k-" + i, i))));

    var shuffled = new ArrayList<>(keys);
    Collections.shuffle(shuffled, new Random(3));
    var concurrent = provider(faults);
    var concurrently = new ConcurrentHashMap<Integer, ChargeOutcome>();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      shuffled.forEach(
          i -> pool.submit(() -> concurrently.put(i, concurrent.charge(request("k-" + i, i)))));
    }

    assertThat(concurrently).isEqualTo(inOrder);
    var otherSeed = provider(faults.toBuilder().seed(43).build());
    Map<Integer, ChargeOutcome> reseeded = new ConcurrentHashMap<>();
    keys.forEach(i -> reseeded.put(i, otherSeed.charge(request("k-" + i, i))));
    assertThat(reseeded).isNotEqualTo(inOrder);
  }

  @Test
  void a_network_error_stores_nothing_and_a_retry_with_the_same_key_gets_a_fresh_roll() {
    var sim = provider(FaultProfile.builder().networkErrorRate(0.5).build());
    var request = request("k-1", 1);
    var outcomes = new ArrayList<ChargeOutcome>();
    do {
      outcomes.add(sim.charge(request));
    } while (outcomes.getLast() instanceof ChargeOutcome.Unavailable && outcomes.size() < 64);

    assertThat(outcomes.getLast()).isInstanceOf(ChargeOutcome.Charged.class);
    assertThat(sim.ledger()).hasSize(1);
    var again = provider(FaultProfile.builder().networkErrorRate(0.5).build());
    assertThat(outcomes).allSatisfy(o -> assertThat(again.charge(request)).isEqualTo(o));
  }

  @Test
  void timeout_charges_but_answers_unknown_and_a_retry_returns_the_charge() {
    var sim = provider(FaultProfile.builder().timeoutRate(1).build());

    var first = sim.charge(request("k-1", 1));
    var retry = sim.charge(request("k-1", 1));

    assertThat(first).isInstanceOf(ChargeOutcome.Unknown.class);
    assertThat(retry).isInstanceOf(ChargeOutcome.Charged.class);
    assertThat(sim.ledger())
        .singleElement()
        .satisfies(e -> assertThat(e.outcome()).isEqualTo(retry));
  }

  @Test
  void latency_is_drawn_within_mean_plus_or_minus_jitter() {
    var sim = provider(FaultProfile.builder().latency(100, 20).build());

    IntStream.range(0, 200).forEach(i -> sim.charge(request("k-" + i, i + 1)));

    assertThat(slept).hasSize(200).allSatisfy(d -> assertThat(d.toMillis()).isBetween(80L, 120L));
    assertThat(slept.stream().distinct().count()).isGreaterThan(10);
  }

  @Test
  void outage_makes_every_charge_unavailable_and_records_nothing() {
    var sim = provider(FaultProfile.none());
    sim.outage(true);

    assertThat(sim.charge(request("k-1", 1))).isInstanceOf(ChargeOutcome.Unavailable.class);
    assertThat(sim.ledger()).isEmpty();
    sim.outage(false);
    assertThat(sim.charge(request("k-1", 1))).isInstanceOf(ChargeOutcome.Charged.class);
  }

  @Test
  void a_concurrent_duplicate_of_a_key_in_progress_is_unknown() throws Exception {
    var entered = new CountDownLatch(1);
    var release = new CountDownLatch(1);
    var sim =
        new SimulatedPaymentProvider(
            FaultProfile.builder().latency(10, 0).build(),
            CLOCK,
            d -> {
              entered.countDown();
              release.await();
            });
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      var first = pool.submit(() -> sim.charge(request("k-1", 1)));
      assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

      assertThat(sim.charge(request("k-1", 1))).isInstanceOf(ChargeOutcome.Unknown.class);
      release.countDown();
      assertThat(first.get(5, TimeUnit.SECONDS)).isInstanceOf(ChargeOutcome.Charged.class);
    }
    assertThat(sim.ledger()).hasSize(1);
  }

  @Test
  void charged_totals_are_summed_per_currency() {
    var sim = provider(FaultProfile.none());
    sim.charge(new ChargeRequest(1, 1, Money.ofMinor(1_000, Currency.EUR), "a"));
    sim.charge(new ChargeRequest(2, 1, Money.ofMinor(250, Currency.EUR), "b"));
    sim.charge(new ChargeRequest(3, 1, Money.ofMinor(7, Currency.JPY), "c"));

    assertThat(sim.chargedTotals())
        .containsEntry(Currency.EUR, Money.ofMinor(1_250, Currency.EUR))
        .containsEntry(Currency.JPY, Money.ofMinor(7, Currency.JPY))
        .hasSize(2);
  }

  @Test
  void fault_profile_rejects_impossible_rates() {
    assertThatThrownBy(() -> FaultProfile.builder().declineRate(1.5).build())
        .hasMessageContaining("declineRate");
    assertThatThrownBy(() -> FaultProfile.builder().timeoutRate(Double.NaN).build())
        .hasMessageContaining("timeoutRate");
    assertThatThrownBy(() -> FaultProfile.builder().latency(-1, 0).build())
        .hasMessageContaining("latencyMs");
  }

  @Test
  void declines_answer_a_seeded_mix_of_decline_codes_reproducibly() {
    var profile = FaultProfile.builder().declineRate(1).seed(42).build();
    var first = provider(profile);
    var second = provider(profile);
    var codes = new java.util.HashMap<String, Integer>();
    for (int i = 0; i < 2_000; i++) {
      var a = (ChargeOutcome.Declined) first.charge(request("k-" + i, i + 1));
      var b = (ChargeOutcome.Declined) second.charge(request("k-" + i, i + 1));
      assertThat(b).as("same seed, same key, same code").isEqualTo(a);
      codes.merge(a.reason(), 1, Integer::sum);
    }
    assertThat(codes.keySet()).allSatisfy(code -> assertThat(DeclineCode.of(code)).isPresent());
    assertThat(codes.keySet()).contains("insufficient_funds", "expired_card", "do_not_honor");
    long hard =
        codes.entrySet().stream()
            .filter(e -> DeclineCode.isHard(e.getKey()))
            .mapToLong(e -> e.getValue())
            .sum();
    assertThat(hard).as("the standard mix is one decline in five hard").isBetween(300L, 500L);
  }

  @Test
  void a_decline_mix_is_parsed_and_refuses_unknown_codes() {
    assertThat(DeclineMix.parse("expired_card=1").pick(0.99)).isEqualTo(DeclineCode.EXPIRED_CARD);
    assertThat(DeclineMix.parse("insufficient_funds=3,lost_card=1").pick(0.8))
        .isEqualTo(DeclineCode.LOST_CARD);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> DeclineMix.parse("insufficient_funds=1,card_is_sad=2"))
        .hasMessageContaining("unknown decline code 'card_is_sad'");
  }
}
