package dev.charon.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.testing.TestDatabase;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The shared rate's row against real PostgreSQL: grants, the back-off and the climb back. */
class ProviderRateTableTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();

  ProviderRateTable table;

  @BeforeEach
  void fresh() {
    db.clean();
    table = new ProviderRateTable(db.jdbi(), "provider", 50);
    table.ensure();
    db.jdbi().useHandle(h -> h.execute("update provider_rate set rate = 50"));
  }

  @Test
  void a_new_row_starts_at_a_tenth_of_the_limit_and_climbs_while_the_rate_is_used() {
    db.clean();
    table.ensure();

    assertThat(table.grant(1).rate()).isBetween(5.0, 6.0);
    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> table.grant(1).rate() >= 50.0);
  }

  @Test
  void a_429_while_probing_above_the_ceiling_keeps_the_ceiling() {
    var grant = table.grant(1);
    table.throttled(grant.epoch(), 40, Duration.ZERO);
    db.jdbi().useHandle(h -> h.execute("update provider_rate set rate = 45"));
    var probing = table.grant(1);

    var backOff = table.throttled(probing.epoch(), probing.rate(), Duration.ZERO);

    assertThat(backOff.rate()).as("70%% of the ceiling, 40").isEqualTo(28.0);
    assertThat(table.grant(1).ceiling()).isEqualTo(40.0);
  }

  @Test
  void a_grant_is_at_most_100_ms_of_the_rate_and_none_reaches_further_ahead() {
    var first = table.grant(100);
    var second = table.grant(100);
    var third = table.grant(100);

    assertThat(first.granted()).isEqualTo(5);
    assertThat(first.rate()).isEqualTo(50.0);
    assertThat(second.granted()).isEqualTo(5);
    assertThat(second.startMs()).isBetween(50.0, 100.0);
    assertThat(third.granted()).as("a slot 200 ms ahead is not reserved").isZero();
    assertThat(third.waitMs()).isBetween(1L, 100L);
  }

  @Test
  void a_grant_takes_no_more_than_the_calls_waiting() {
    assertThat(table.grant(2).granted()).isEqualTo(2);
  }

  @Test
  void a_burst_of_429s_for_one_rate_backs_off_once_and_pauses_everyone() {
    var grant = table.grant(1);

    var first = table.throttled(grant.epoch(), grant.rate(), Duration.ofSeconds(2));
    var second = table.throttled(grant.epoch(), grant.rate(), Duration.ofSeconds(2));

    assertThat(first.decreased()).isTrue();
    assertThat(first.rate()).isEqualTo(35.0);
    assertThat(second.decreased()).as("the same epoch's second 429").isFalse();
    assertThat(second.rate()).isEqualTo(35.0);
    var paused = table.grant(1);
    assertThat(paused.granted()).isZero();
    assertThat(paused.waitMs()).as("Retry-After 2 s pauses every worker").isBetween(1_800L, 2_000L);
  }

  @Test
  void the_rate_climbs_back_near_the_refused_rate_fast_and_stays_under_the_limit() {
    var grant = table.grant(1);
    table.throttled(grant.epoch(), grant.rate(), Duration.ZERO);

    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> table.grant(1).rate() >= 0.95 * 50 - 1e-9);
    var plateau = table.grant(1);

    assertThat(plateau.ceiling()).isEqualTo(50.0);
    assertThat(plateau.rate()).isLessThanOrEqualTo(50.0);
  }

  @Test
  void the_rate_never_exceeds_the_setting_even_when_the_row_holds_more() {
    var limited = new ProviderRateTable(db.jdbi(), "provider", 20);
    var grant = limited.grant(1);
    assertThat(grant.rate()).as("the setting caps a rate left higher").isEqualTo(20.0);

    await()
        .during(Duration.ofMillis(600))
        .atMost(Duration.ofSeconds(2))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> limited.grant(1).rate() <= 20.0);
  }
}
