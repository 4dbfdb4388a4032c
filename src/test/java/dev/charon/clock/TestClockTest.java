package dev.charon.clock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.charon.charging.ChargeEngine;
import dev.charon.charging.ChargeWorker;
import dev.charon.charging.Intake;
import dev.charon.config.ConfigException;
import dev.charon.config.Env;
import dev.charon.money.Currency;
import dev.charon.payment.domain.DeclineCode;
import dev.charon.payment.fake.DeclineMix;
import dev.charon.payment.fake.FaultProfile;
import dev.charon.payment.fake.SimulatedPaymentProvider;
import dev.charon.testing.ChargeFixtures;
import dev.charon.testing.Fixtures;
import dev.charon.testing.TestApi;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The test clock: months of billing and dunning in seconds, forward only, never in production. */
class TestClockTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  private final Fixtures fixtures = new Fixtures(db.jdbi());

  @BeforeEach
  void setUp() {
    db.clean();
    db.jdbi().useHandle(h -> h.execute("delete from api_key"));
  }

  @Test
  void twelve_monthly_runs_with_dunning_to_uncollectible_run_in_one_advance() {
    var clock = new DatabaseClock(db.jdbi(), Clock.systemUTC(), Duration.ofMillis(50));
    var provider =
        new SimulatedPaymentProvider(
            FaultProfile.builder()
                .declineRate(1)
                .declineMix(DeclineMix.only(DeclineCode.INSUFFICIENT_FUNDS))
                .build(),
            clock,
            d -> {});
    var policy = ChargeFixtures.policy();
    var metrics = new SimpleMeterRegistry();
    var engine =
        new ChargeEngine(
            db.jdbi(), provider, policy, ChargeFixtures.breaker(clock), clock, "w1", metrics);
    try (var api = TestApi.start(db.jdbi(), new ClockMode.DatabaseTime(clock));
        var worker =
            new ChargeWorker(
                    Intake.table(
                        db.jdbi(), engine, "w1", Duration.ofSeconds(30), Duration.ofMillis(5)),
                    engine,
                    8,
                    metrics)
                .start()) {
      var operator = api.operator();
      long customer = fixtures.customer(Currency.EUR);
      var sub =
          operator.post(
              "/rest/v1/customers/" + customer + "/subscriptions",
              "{\"amount\":{\"value\":\"19.00\",\"currency\":\"EUR\"},\"startDate\":\"2026-01-01\"}");
      assertThat(sub.status()).as(sub.body()).isEqualTo(201);

      var frozen = operator.post("/rest/v1/test-clock", "{\"at\":\"2025-12-31T22:00:00Z\"}");
      assertThat(frozen.status()).as(frozen.body()).isEqualTo(200);
      assertThat(frozen.json().get("active").asBoolean()).isTrue();
      long started = System.nanoTime();
      var advanced =
          operator.post("/rest/v1/test-clock/advance", "{\"to\":\"2026-12-31T00:00:00Z\"}");
      long millis = (System.nanoTime() - started) / 1_000_000;
      System.out.printf("twelve months on the test clock: %d ms%n", millis);

      assertThat(advanced.status()).as(advanced.body()).isEqualTo(200);
      assertThat(advanced.json().get("now").asText()).isEqualTo("2026-12-31T00:00:00Z");
      assertThat(count("select count(*) from billing_run where state = 'FINISHED'")).isEqualTo(12);
      assertThat(count("select count(*) from invoice where status = 'UNCOLLECTIBLE'"))
          .isEqualTo(12);
      assertThat(count("select count(*) from invoice")).isEqualTo(12);
      assertThat(
              count(
                  "select count(*) from charge_attempt where outcome = 'DECLINED' and decline_code = 'insufficient_funds'"))
          .as("one charge and three dunning retries per month")
          .isEqualTo(48);
      // History times are the test clock's: January's invoice is given up on the 12th (1 + 3 + 7
      // days).
      var given =
          db.jdbi()
              .withHandle(
                  h ->
                      h.createQuery(
                              """
              select hi.at from invoice_history hi join invoice i on i.id = hi.invoice_id
              where i.billing_period = '2026-01' and hi.new_status = 'UNCOLLECTIBLE'
              """)
                          .mapTo(Instant.class)
                          .one());
      assertThat(given).isEqualTo(Instant.parse("2026-01-12T00:00:00Z"));
      assertThat(
              count(
                  "select count(*) from invoice where billing_period = '2026-07' and created_at = '2026-07-01T00:00:00Z'"))
          .as("July's invoice created at the test clock's 1st of July")
          .isEqualTo(1);

      var backwards =
          operator.post("/rest/v1/test-clock/advance", "{\"to\":\"2026-06-01T00:00:00Z\"}");
      assertThat(backwards.status()).isEqualTo(422);
      assertThat(backwards.contentType()).startsWith("application/problem+json");
      assertThat(operator.get("/rest/v1/test-clock").json().get("now").asText())
          .isEqualTo("2026-12-31T00:00:00Z");
      assertThat(operator.post("/rest/v1/test-clock", "{}").status())
          .as("frozen twice")
          .isEqualTo(409);
    }
  }

  @Test
  void a_deployment_without_the_test_clock_refuses_to_move_time() {
    try (var api = TestApi.start(db.jdbi(), Clock.systemUTC())) {
      var read = api.reader().get("/rest/v1/test-clock").json();
      assertThat(read.get("enabled").asBoolean()).isFalse();
      var freeze = api.operator().post("/rest/v1/test-clock", "{}");
      assertThat(freeze.status()).isEqualTo(409);
      assertThat(freeze.json().get("detail").asText()).contains("CHARON_TEST_CLOCK=true");
      assertThat(count("select count(*) from test_clock")).isZero();
    }
  }

  @Test
  void the_test_clock_is_refused_in_production_and_a_bad_value_names_the_variable() {
    assertThatThrownBy(
            () ->
                TestClockSettings.from(
                    new Env(Map.of("CHARON_TEST_CLOCK", "true", "CHARON_ENV", "production"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_TEST_CLOCK")
        .hasMessageContaining("production");
    assertThatThrownBy(() -> TestClockSettings.from(new Env(Map.of("CHARON_TEST_CLOCK", "yes"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_TEST_CLOCK");
    assertThatThrownBy(() -> TestClockSettings.from(new Env(Map.of("CHARON_ENV", "prod"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("CHARON_ENV");
    assertThat(TestClockSettings.from(new Env(Map.of())).enabled())
        .as("never the default")
        .isFalse();
    assertThat(
            TestClockSettings.from(
                    new Env(Map.of("CHARON_TEST_CLOCK", "true", "CHARON_ENV", "test")))
                .enabled())
        .isTrue();
  }

  @Test
  void a_deployment_without_the_test_clock_refuses_to_start_on_a_database_whose_clock_is_frozen() {
    db.jdbi()
        .useHandle(h -> h.execute("insert into test_clock (now) values ('2030-01-01T00:00:00Z')"));
    assertThatThrownBy(() -> ClockMode.of(db.jdbi(), new TestClockSettings(false, "production")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("test_clock");
    assertThat(ClockMode.of(db.jdbi(), new TestClockSettings(true, "test")).clock().instant())
        .isEqualTo(Instant.parse("2030-01-01T00:00:00Z"));
    assertThat(count("select count(*) from invoice where created_at > now()")).isZero();
  }

  private long count(String sql) {
    return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
  }
}
