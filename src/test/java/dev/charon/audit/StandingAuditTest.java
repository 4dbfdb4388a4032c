package dev.charon.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.charon.api.Json;
import dev.charon.billing.BillingRuns;
import dev.charon.billing.BillingScheduler;
import dev.charon.billing.BillingSettings;
import dev.charon.config.ConfigException;
import dev.charon.config.Env;
import dev.charon.invoice.domain.InvoiceStatus;
import dev.charon.money.Currency;
import dev.charon.testing.Fixtures;
import dev.charon.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The standing audit against real PostgreSQL and a fake provider ledger (an outside system). */
class StandingAuditTest {
  @RegisterExtension static final TestDatabase db = new TestDatabase();

  private final Fixtures fixtures = new Fixtures(db.jdbi());
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

  @BeforeEach
  void clean() {
    db.clean();
  }

  /** A provider ledger the test fills, or makes unreachable. */
  static final class FakeLedger implements ProviderLedger {

    @Override
    public void forEachRefundPage(java.util.function.Consumer<List<Refund>> sink) {}

    @Override
    public List<LostDispute> lostDisputes() {
      return List.of();
    }

    final List<Charge> charges = new ArrayList<>();
    volatile boolean unreachable;
    final AtomicInteger reads = new AtomicInteger();

    @Override
    public void forEachPage(java.util.function.Consumer<List<Charge>> sink) throws IOException {
      reads.incrementAndGet();
      if (unreachable) {
        throw new IOException("connection refused (the provider's ledger API is down)");
      }
      sink.accept(List.copyOf(charges));
    }
  }

  private StandingAudit audit(FakeLedger ledger, String ranBy) {
    return new StandingAudit(
        db.jdbi(),
        new Auditor(db.jdbi(), ledger),
        Clock.systemUTC(),
        ranBy,
        Json.mapper(),
        metrics);
  }

  /** A charge at the provider for an invoice the database holds as PENDING: charge_not_paid. */
  private ProviderLedger.Charge plantedCharge() {
    long customer = fixtures.customer(Currency.EUR);
    long invoice =
        fixtures
            .invoice()
            .forCustomer(customer)
            .amount(1_999)
            .status(InvoiceStatus.PENDING)
            .create();
    return new ProviderLedger.Charge(
        "planted-key", invoice, "ch_planted", 1_999, "EUR", Instant.now().minusSeconds(600));
  }

  private List<Map<String, Object>> auditEvents() {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "select type, subject, data::text as data from event_outbox where type like 'audit.%' order by id")
                    .mapToMap()
                    .list());
  }

  private double gauge(String kind) {
    return metrics.get("charon.audit.differences").tag("kind", kind).gauge().value();
  }

  @Test
  void a_planted_difference_is_stored_published_and_announced_once_then_cleared() {
    var ledger = new FakeLedger();
    var audit = audit(ledger, "server-a");
    AuditGauges.register(db.jdbi(), metrics);
    assertThat(gauge("charge_not_paid")).as("no audit has completed yet").isNaN();

    var clean = audit.runOnce();
    assertThat(clean.outcome()).isEqualTo(AuditResults.Outcome.RECONCILES);
    assertThat(clean.total()).isZero();
    assertThat(auditEvents()).as("nothing to announce while everything reconciles").isEmpty();

    ledger.charges.add(plantedCharge());
    var found = audit.runOnce();
    assertThat(found.outcome()).isEqualTo(AuditResults.Outcome.DIFFERENCES);
    assertThat(found.differences()).containsEntry("charge_not_paid", 1L);
    // Micrometer holds a gauge's object weakly: a reading only the gauge refers to must survive GC.
    System.gc();
    assertThat(auditEvents())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.get("type")).isEqualTo(StandingAudit.FOUND);
              assertThat(e.get("subject")).isEqualTo("audits/" + found.id());
              assertThat((String) e.get("data"))
                  .containsPattern("\"appeared\": \\[[^]]*\"charge_not_paid\"")
                  .contains("\"charge_not_paid\": 1");
            });
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(gauge("charge_not_paid")).isEqualTo(1.0));
    assertThat(gauge("double_charge")).isZero();
    assertThat(metrics.get("charon.audit.runs").tag("outcome", "differences").counter().count())
        .isEqualTo(1.0);

    audit.runOnce();
    assertThat(auditEvents()).as("a difference still there is not announced again").hasSize(1);

    ledger.charges.clear();
    var cleared = audit.runOnce();
    assertThat(cleared.outcome()).isEqualTo(AuditResults.Outcome.RECONCILES);
    assertThat(auditEvents())
        .hasSize(2)
        .last()
        .extracting(e -> e.get("type"))
        .isEqualTo(StandingAudit.CLEARED);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(gauge("charge_not_paid")).isZero());
  }

  @Test
  void an_unreachable_ledger_is_a_failed_run_that_neither_raises_nor_clears_a_difference() {
    var ledger = new FakeLedger();
    var audit = audit(ledger, "server-a");
    ledger.charges.add(plantedCharge());
    audit.runOnce();
    ledger.unreachable = true;

    var failed = audit.runOnce();

    assertThat(failed.outcome()).isEqualTo(AuditResults.Outcome.FAILED);
    assertThat(failed.error()).get().asString().contains("connection refused");
    assertThat(auditEvents()).extracting(e -> e.get("type")).containsExactly(StandingAudit.FOUND);
    var last = db.jdbi().withHandle(h -> new AuditResults(Json.mapper()).lastCompleted(h));
    assertThat(last)
        .as("the gauges keep reading the last completed run's differences")
        .get()
        .satisfies(r -> assertThat(r.differences()).containsEntry("charge_not_paid", 1L));
    assertThat(metrics.get("charon.audit.runs").tag("outcome", "failed").counter().count())
        .isEqualTo(1.0);
  }

  @Test
  void the_interval_setting_has_a_default_and_refuses_values_out_of_range() {
    assertThat(AuditSettings.from(new Env(Map.of())).interval()).isEqualTo(Duration.ofMinutes(10));
    assertThat(AuditSettings.from(new Env(Map.of("CHARON_AUDIT_INTERVAL", "30s"))).interval())
        .isEqualTo(Duration.ofSeconds(30));
    for (var bad : List.of("1s", "2d", "soon", "0s")) {
      assertThatThrownBy(() -> AuditSettings.from(new Env(Map.of("CHARON_AUDIT_INTERVAL", bad))))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("CHARON_AUDIT_INTERVAL");
    }
  }

  @Test
  void two_servers_scheduling_the_audit_run_it_once_per_interval() throws Exception {
    var ledger = new SlowLedger();
    var settings = BillingSettings.from(new Env(Map.of()));
    var schedulers = new ArrayList<BillingScheduler>();
    try {
      for (var name : List.of("server-a", "server-b")) {
        var m = new SimpleMeterRegistry();
        var standing =
            new StandingAudit(
                db.jdbi(),
                new Auditor(db.jdbi(), ledger),
                Clock.systemUTC(),
                name,
                Json.mapper(),
                m);
        schedulers.add(
            new BillingScheduler(
                    db.dataSource(),
                    BillingRuns.of(db.jdbi(), Clock.systemUTC(), settings, m),
                    settings,
                    Clock.systemUTC(),
                    Optional::empty,
                    name,
                    List.of(standing.task(new AuditSettings(Duration.ofSeconds(10)))))
                .start());
      }
      schedulers.forEach(BillingScheduler::triggerCheck);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> count("select count(*) from audit_result") >= 1);
      // Both schedulers poll every 5 s; the next execution is 10 s after the first ended.
      Thread.sleep(6_000);
      assertThat(count("select count(*) from audit_result")).isEqualTo(1);
      assertThat(ledger.concurrent.get()).as("never two audits at once").isEqualTo(1);
    } finally {
      schedulers.forEach(BillingScheduler::stop);
    }
  }

  /** A ledger that takes a second to read and records how many reads overlapped. */
  static final class SlowLedger implements ProviderLedger {

    @Override
    public void forEachRefundPage(java.util.function.Consumer<List<Refund>> sink) {}

    @Override
    public List<LostDispute> lostDisputes() {
      return List.of();
    }

    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger concurrent = new AtomicInteger();

    @Override
    public void forEachPage(java.util.function.Consumer<List<Charge>> sink)
        throws InterruptedException {
      concurrent.accumulateAndGet(running.incrementAndGet(), Math::max);
      try {
        Thread.sleep(1_000);
        sink.accept(List.of());
      } finally {
        running.decrementAndGet();
      }
    }
  }

  private long count(String sql) {
    return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
  }
}
