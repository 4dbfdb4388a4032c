package dev.charon.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.audit.Auditor;
import dev.charon.chaos.ChaosCluster.Transport;
import dev.charon.seed.Seeder;
import dev.charon.testing.TestDatabase;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Process-level chaos (issue 6): the real server, workers and gateway under faults, each scenario
 * audited against the gateway's ledger. Sizes come from the environment so CI runs a small,
 * fixed-seed version: CHARON_CHAOS_INVOICES (default 400), CHARON_CHAOS_ROUNDS (default 2),
 * CHARON_CHAOS_RACE_ROUNDS (default 1) repeats the three-server race, CHARON_CHAOS_FULL=true adds the broker and database restarts and a one-minute outage,
 * CHARON_CHAOS_REPORT=path writes the results table (docs/reliability.md).
 */
@Tag("chaos")
class ChaosIT {
  @RegisterExtension static final TestDatabase db = new TestDatabase();

  static final int INVOICES = Integer.parseInt(env("CHARON_CHAOS_INVOICES", "400"));
  static final int ROUNDS = Integer.parseInt(env("CHARON_CHAOS_ROUNDS", "2"));
  static final int RACE_ROUNDS = Integer.parseInt(env("CHARON_CHAOS_RACE_ROUNDS", "1"));
  static final boolean FULL = Boolean.parseBoolean(env("CHARON_CHAOS_FULL", "false"));
  static final long SEED = Long.parseLong(env("CHARON_CHAOS_SEED", "42"));
  static final List<String> RESULTS = new ArrayList<>();
  /**
   * The gateway of a scenario: the share of charges whose response it drops after storing the
   * result, and its mean latency, which sets the pace of the run: with
   * {@link ChaosCluster#WORKER_CONCURRENCY} calls in flight per worker, three workers charge
   * about 12 / latency-in-seconds invoices a second, so the faults meet a run in progress.
   */
  record Gateway(double timeoutRate, long latencyMs) {}

  static final Gateway GATEWAY = new Gateway(0.02, 250);
  /**
   * The provider-failure scenarios lose many more responses, so that plenty of attempts are still
   * being reconciled (same key, result unknown) when the outage or the kill strikes: the case
   * that once ended in a second charge under a new key.
   */
  static final Gateway RESULTS_LOST_BEFORE_FAULT = new Gateway(0.2, 250);
  /**
   * Closing a scenario's broker connections takes rabbitmqctl several seconds, so 20 rounds of it
   * need a run four times as long as the others to all strike while charges are outstanding.
   */
  static final Gateway SLOW = new Gateway(0.02, 1000);

  record Outcome(long duplicates, long lost, long stuck, long currencyMismatches, boolean auditOk) {}

  static String env(String name, String fallback) {
    var value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void sigkill_a_random_worker_repeatedly(Transport transport) {
    scenario("1 SIGKILL random worker", transport, ROUNDS, (c, faults) -> {
      for (int round = 0; round < ROUNDS; round++) {
        faults.strike(round, ROUNDS, () -> {
          c.readyWorker().kill();
          c.launchWorker(); // as an orchestrator replaces a dead pod, without waiting for it
        });
      }
    });
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void rolling_deploy_of_every_worker(Transport transport) {
    scenario("2 rolling deploy (SIGTERM)", transport, 3, (c, faults) -> {
      var old = List.copyOf(c.workers);
      for (int round = 0; round < old.size(); round++) {
        var worker = old.get(round);
        faults.strike(round, old.size(), worker::terminate);
        assertThat(worker.waitFor(30)).as("drained worker exits 0; see " + worker.logFile()).isZero();
        c.startWorker();
      }
    });
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void sigkill_the_server_while_it_produces(Transport transport) {
    scenario("3 SIGKILL server while producing", transport, 1, (c, faults) -> {
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> enqueued() > 0);
      c.servers.getFirst().kill();
      long atKill = enqueued();
      faults.struck(atKill < INVOICES);
      c.startServer();
      System.out.println("chaos: server killed with " + atKill + " of " + INVOICES + " enqueued");
    });
  }

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = "POSTGRES")
  void three_servers_race_the_same_period(Transport transport) {
    var name = "4 three servers racing";
    long started = System.nanoTime();
    Outcome outcome = null;
    for (int round = 0; round < RACE_ROUNDS; round++) {
      db.clean();
      seed();
      try (var c = cluster(transport)) {
        for (int i = 0; i < 3; i++) {
          c.startServer("CHARON_BILLING_CRON", "*/1 * * * * *");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> enqueued() == INVOICES);
        assertThat(count("select count(*) from billing_run")).isEqualTo(1);
        assertThat(count("select count(*) from charge_request")).isEqualTo(INVOICES);
        c.startWorkers(2);
        outcome = settleAndCheck(c);
      }
    }
    report(name, transport, RACE_ROUNDS, outcome, null, started);
  }

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = "RABBITMQ")
  void broker_connections_closed_and_broker_restarted(Transport transport) {
    scenario("5 RabbitMQ " + (FULL ? "restart + " : "") + "close_all_connections", transport, ROUNDS, SLOW, (c, faults) -> {
      int strikes = ROUNDS + (FULL ? 1 : 0);
      for (int round = 0; round < ROUNDS; round++) {
        faults.strike(round, strikes, () -> closeBrokerConnectionsOf(c));
      }
      if (FULL) {
        faults.strike(ROUNDS, strikes, () -> {
          rabbitmqctl("stop_app");
          rabbitmqctl("start_app");
          rabbitmqctl("await_startup");
        });
      }
    });
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void database_connections_terminated(Transport transport) {
    scenario("6 pg_terminate_backend workers" + (FULL ? " + PostgreSQL restart" : ""), transport, ROUNDS, (c, faults) -> {
      int strikes = ROUNDS + (FULL ? 1 : 0);
      for (int round = 0; round < ROUNDS; round++) {
        faults.strike(round, strikes, () -> db.jdbi().useHandle(h -> h.createQuery(
            "select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = :db and application_name like 'charon-worker%'")
            .bind("db", db.name()).mapTo(Long.class).one()));
      }
      if (FULL) {
        // CHARON_TEST_PG_CLUSTER ("15 chaos") restarts a cluster of its own instead of the machine's.
        var cluster = env("CHARON_TEST_PG_CLUSTER", "$(ls /etc/postgresql | head -1) main");
        faults.strike(ROUNDS, strikes, () -> run("bash", "-c", "pg_ctlcluster --skip-systemctl-redirect " + cluster + " restart"));
      }
    });
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void gateway_outage_then_recovery(Transport transport) {
    scenario("7 gateway outage " + (FULL ? "60" : "8") + " s", transport, 1, RESULTS_LOST_BEFORE_FAULT, (c, faults) -> {
      awaitResultsBeingReconciled();
      faults.strike(() -> c.outage(true));
      pause(c, FULL ? 60_000 : 8_000, FULL ? 60_001 : 8_001);
      c.outage(false);
    });
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void gateway_sigkill_and_restart(Transport transport) {
    scenario("8 gateway SIGKILL + restart", transport, 1, RESULTS_LOST_BEFORE_FAULT, (c, faults) -> {
      awaitResultsBeingReconciled();
      faults.strike(c::killAndRestartGateway);
    });
  }

  /**
   * Counts the faults of a scenario and how many of them struck while invoices were still being
   * charged: a fault that meets an idle system proves nothing, so a scenario needs all of them.
   */
  static final class Faults {
    private final java.util.Random random;
    int struck;
    int midRun;

    Faults(java.util.Random random) {
      this.random = random;
    }

    /**
     * Fault {@code round} of {@code rounds} strikes at a random point of its share of the first 90%
     * of the run, measured in invoices charged, so the faults spread over the whole run.
     */
    void strike(int round, int rounds, Runnable fault) {
      long target = (long) (INVOICES * 0.9 * (round + random.nextDouble()) / rounds);
      await("run charged " + target + " of " + INVOICES + " invoices")
          .atMost(Duration.ofMinutes(5))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> charged() >= target);
      strike(fault);
    }

    /** Strikes now. */
    void strike(Runnable fault) {
      boolean charging = count("select count(*) from charge_request") > 0;
      fault.run();
      struck(charging);
    }

    void struck(boolean whileCharging) {
      struck++;
      if (whileCharging) {
        midRun++;
      }
    }

    @Override
    public String toString() {
      return midRun + "/" + struck;
    }
  }

  private void scenario(String name, Transport transport, int rounds, java.util.function.BiConsumer<ChaosCluster, Faults> faults) {
    scenario(name, transport, rounds, GATEWAY, faults);
  }

  private void scenario(
      String name, Transport transport, int rounds, Gateway gateway, java.util.function.BiConsumer<ChaosCluster, Faults> inject) {
    long started = System.nanoTime();
    db.clean();
    seed();
    try (var c = cluster(transport, gateway)) {
      c.startServer();
      c.startWorkers(3);
      var faults = new Faults(c.random);
      c.startRun(YearMonth.now(Clock.systemUTC()).toString());
      inject.accept(c, faults);
      var outcome = settleAndCheck(c);
      report(name, transport, rounds, outcome, faults, started);
      assertThat(faults.midRun).as("faults that struck while invoices were being charged, of " + faults.struck).isEqualTo(faults.struck);
    }
  }

  private ChaosCluster cluster(Transport transport) {
    return cluster(transport, GATEWAY);
  }

  private ChaosCluster cluster(Transport transport, Gateway gateway) {
    var c = new ChaosCluster(db, transport, SEED, "charon.chaos." + UUID.randomUUID().toString().substring(0, 8));
    return c.gateway("--decline-rate", "0.05", "--network-error-rate", "0.02", "--timeout-rate", String.valueOf(gateway.timeoutRate()),
        "--latency-ms", String.valueOf(gateway.latencyMs()), "--latency-jitter-ms", String.valueOf(gateway.latencyMs() / 2),
        "--seed", String.valueOf(SEED));
  }

  private void seed() {
    new Seeder(db.jdbi(), Clock.systemUTC()).seed(INVOICES, 1, 0.5);
  }

  /** Waits for the run to finish, then counts duplicates, lost, stuck and currency mismatches. */
  private Outcome settleAndCheck(ChaosCluster c) {
    try {
      await().atMost(Duration.ofMinutes(FULL ? 10 : 4)).pollInterval(Duration.ofMillis(500)).until(() ->
          count("select count(*) from invoice where status = 'PROCESSING'") == 0
              && count("select count(*) from invoice where status = 'RETRY_SCHEDULED' and last_failure like 'provider unavailable%'") == 0
              && count("select count(*) from billing_run where state <> 'FINISHED'") == 0);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      // reported as stuck below
    }
    Auditor.Report audit;
    try {
      audit = new Auditor(db.jdbi(), URI.create(c.gateway.url() + "/")).run();
    } catch (Exception e) {
      throw new IllegalStateException("audit could not run", e);
    }
    long duplicates = audit.checks().getFirst().violations();
    long lost = count(
        """
        select count(*) from invoice where due_date <= current_date and (billing_run_id is null
          or (status <> 'PAID' and status <> 'PROCESSING' and last_failure is null)
          or (status = 'RETRY_SCHEDULED' and next_attempt_at is null))
        """);
    long stuck = count("select count(*) from invoice where status = 'PROCESSING'");
    long mismatches = audit.currencies().stream().filter(l -> !l.ok()).count();
    var outcome = new Outcome(duplicates, lost, stuck, mismatches, audit.reconciles());
    assertThat(outcome).as(audit.toString()).isEqualTo(new Outcome(0, 0, 0, 0, true));
    return outcome;
  }

  private static void report(String name, Transport transport, int rounds, Outcome o, Faults faults, long startedNanos) {
    var line = "| %s | %s | %d | %d | %s | %d | %d | %d | %d | %.1f s |".formatted(
        name, transport.name().toLowerCase(java.util.Locale.ROOT), INVOICES, rounds, faults == null ? "-" : faults.toString(),
        o.duplicates(), o.lost(), o.stuck(),
        o.currencyMismatches(), (System.nanoTime() - startedNanos) / 1e9);
    System.out.println("chaos " + line);
    RESULTS.add(line);
  }

  /** The line from which docs/reliability.md is written by hand and kept by {@link #writeReport}. */
  static final String NOTES_MARKER = "<!-- notes below are kept when the chaos suite rewrites this file -->";

  @AfterAll
  static void writeReport() throws IOException {
    var path = System.getenv("CHARON_CHAOS_REPORT");
    if (path == null || path.isBlank()) {
      return;
    }
    var text = new StringBuilder()
        .append("# Reliability\n\nProduced by the chaos suite (`src/test/java/dev/charon/chaos/ChaosIT.java`), ")
        .append("real processes against this machine's PostgreSQL and RabbitMQ; gateway with 5% declines, 2% network errors, ")
        .append("2% timeouts (20% in scenarios 7 and 8), ").append(GATEWAY.latencyMs()).append(" ms mean latency (")
        .append(SLOW.latencyMs()).append(" ms in scenario 5); 3 workers x ")
        .append(ChaosCluster.WORKER_CONCURRENCY).append(" concurrency. Seed ").append(SEED).append(", full mode: ").append(FULL)
        .append(".\n\nCommand: `").append(targets()).append("CHARON_CHAOS_INVOICES=").append(INVOICES).append(" CHARON_CHAOS_ROUNDS=").append(ROUNDS)
        .append(" CHARON_CHAOS_RACE_ROUNDS=").append(RACE_ROUNDS).append(" CHARON_CHAOS_FULL=").append(FULL).append(" CHARON_CHAOS_REPORT=docs/reliability.md ./scripts/chaos.sh`\n\n")
        .append("\"Faults mid-run\" counts the faults that struck while charge requests were still outstanding, of all ")
        .append("struck; a scenario fails unless every fault did.\n\n")
        .append("| scenario | transport | invoices | rounds | faults mid-run | duplicates | lost | stuck | currency mismatches | wall time |\n")
        .append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    RESULTS.forEach(line -> text.append(line).append('\n'));
    // What people wrote below the table (the reading of the run, findings) survives a new run.
    var file = dev.charon.testing.CharonProcess.projectRoot().resolve(path);
    if (Files.exists(file)) {
      var old = Files.readString(file);
      int notes = old.indexOf(NOTES_MARKER);
      if (notes >= 0) {
        text.append('\n').append(old.substring(notes));
      }
    }
    Files.writeString(file, text);
  }

  /** The test-target variables this run was given, as they must be set to repeat it. */
  private static String targets() {
    var set = new StringBuilder();
    for (var name : List.of("CHARON_TEST_DB_URL", "CHARON_TEST_AMQP_URL", "CHARON_TEST_RABBIT_NODE", "CHARON_TEST_PG_CLUSTER")) {
      var value = env(name, "");
      if (!value.isBlank()) {
        set.append(name).append("='").append(value).append("' ");
      }
    }
    return set.toString();
  }

  /**
   * Waits until several charges' results were lost and are being reconciled under their keys, so
   * that the provider fault that follows meets reconciling calls. A fixed pause could strike
   * after a fast run had already reconciled everything.
   */
  private static void awaitResultsBeingReconciled() {
    await("charge results lost and being reconciled")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> count("select count(*) from charge_attempt where outcome = 'UNKNOWN' and detail like 'result unknown%'") >= 5);
  }

  private static void pause(ChaosCluster c, long minMillis, long maxMillis) {
    long millis = minMillis + (long) (c.random.nextDouble() * (maxMillis - minMillis));
    await().pollDelay(Duration.ofMillis(millis)).atMost(Duration.ofMillis(millis + 1000)).until(() -> true);
  }

  /** Invoices of the run whose charge has an outcome (paid or failed), for now. */
  private static long charged() {
    return count("select count(*) from invoice where billing_run_id is not null and status <> 'PROCESSING'");
  }

  private static long enqueued() {
    return count("select count(*) from invoice where billing_run_id is not null");
  }

  private static long count(String sql) {
    return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
  }

  static String rabbitmqctl(String... args) {
    return run(rabbitmqctlCommand(args));
  }

  /** rabbitmqctl for the broker under test: {@code CHARON_TEST_RABBIT_NODE} names another node. */
  static String[] rabbitmqctlCommand(String... args) {
    var command = new ArrayList<>(List.of("rabbitmqctl", "-q"));
    var node = env("CHARON_TEST_RABBIT_NODE", "");
    if (!node.isBlank()) {
      command.addAll(List.of("-n", node));
    }
    command.addAll(List.of(args));
    return command.toArray(String[]::new);
  }

  /**
   * Closes, from the broker side, every connection of this cluster's processes (their connection
   * names end in their pid) — close_all_connections without touching other users of the broker.
   */
  private static void closeBrokerConnectionsOf(ChaosCluster c) {
    var pids = new ArrayList<String>();
    c.servers.forEach(p -> pids.add("-" + p.pid() + "\""));
    c.workers.forEach(p -> pids.add("-" + p.pid() + "\""));
    var listing = rabbitmqctl("list_connections", "pid", "client_properties");
    for (var line : listing.split("\n")) {
      var columns = line.split("\t", 2);
      if (columns.length == 2 && pids.stream().anyMatch(columns[1]::contains)) {
        rabbitmqctl("close_connection", columns[0].trim(), "chaos test");
      }
    }
  }

  private static String run(String... command) {
    try {
      var process = new ProcessBuilder(command).redirectErrorStream(true).start();
      var output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " timed out");
      }
      return output;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

}
