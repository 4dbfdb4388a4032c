package dev.charon.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.charon.testing.Billing;
import dev.charon.testing.CharonProcess;
import dev.charon.testing.GatewayProcess;
import dev.charon.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Worker processes competing, killed and drained, against the real gateway process (PostgreSQL
 * transport).
 */
class WorkerProcessIT {
  @RegisterExtension static final TestDatabase db = new TestDatabase();
  private final Billing billing = new Billing(db.jdbi());

  @BeforeEach
  void clean() {
    db.clean();
  }

  private Map<String, String> workerEnv(GatewayProcess gateway, String... extra) {
    var env = db.processEnv(extra); // a fresh, mutable map
    env.putIfAbsent("CHARON_GATEWAY_URL", gateway.url());
    env.putIfAbsent("CHARON_QUEUE", "postgres");
    env.putIfAbsent("CHARON_DB_POOL_SIZE", "8");
    return env;
  }

  @Test
  void three_workers_charge_ten_thousand_requests_with_no_duplicate_at_the_gateway() {
    var run = billing.dueRun(10_000);
    assertThat(run.enqueued()).isEqualTo(10_000);
    try (var gateway = GatewayProcess.start("--latency-ms", "2")) {
      var workers = new ArrayList<CharonProcess>();
      try {
        for (int i = 0; i < 3; i++) {
          workers.add(CharonProcess.start(workerEnv(gateway), "worker", "--concurrency", "32"));
        }
        awaitAllSettled(Duration.ofMinutes(4));
      } finally {
        workers.forEach(CharonProcess::close);
      }
      assertThat(billing.count("status = 'PAID'")).isEqualTo(10_000);
      var report = billing.audit(gateway);
      assertThat(report.reconciles()).as(report.toString()).isTrue();
      assertThat(report.providerCharges()).isEqualTo(10_000);
      assertThat(workedBy()).as("every worker took a share").hasSize(3);
    }
  }

  @Test
  void a_worker_killed_mid_batch_loses_nothing_and_a_second_worker_finishes_without_duplicates() {
    billing.dueRun(1_500);
    try (var gateway = GatewayProcess.start("--latency-ms", "40", "--seed", "3")) {
      var env = workerEnv(gateway, "CHARON_LEASE", "3s");
      try (var first = CharonProcess.start(env, "worker", "--concurrency", "32")) {
        await().atMost(Duration.ofMinutes(2)).until(() -> billing.settled() >= 300);
        first.kill();
        assertThat(first.waitFor(10)).isNotZero();
      }
      assertThat(billing.inFlight()).as("the killed worker left work in flight").isPositive();
      try (var second = CharonProcess.start(env, "worker", "--concurrency", "32")) {
        awaitAllSettled(Duration.ofMinutes(3));
      }
      var report = billing.audit(gateway);
      assertThat(report.reconciles()).as(report.toString()).isTrue();
      assertThat(billing.count("status = 'PAID'")).isEqualTo(1_500);
    }
  }

  @Test
  void a_worker_sent_sigterm_drains_within_the_deadline_and_nothing_is_lost() {
    billing.dueRun(800);
    try (var gateway = GatewayProcess.start("--latency-ms", "200")) {
      var env = workerEnv(gateway, "CHARON_DRAIN_DEADLINE", "10s", "CHARON_LEASE", "30s");
      try (var worker = CharonProcess.start(env, "worker", "--concurrency", "16")) {
        await().atMost(Duration.ofMinutes(2)).until(() -> billing.settled() >= 100);
        long signalled = System.nanoTime();
        worker.terminate();
        assertThat(worker.waitFor(20)).as(worker.output()).isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - signalled))
            .isLessThan(Duration.ofSeconds(15));
        assertThat(worker.output()).contains("draining").contains("worker stopped cleanly");
      }
      long leasedButUnattempted =
          db.jdbi()
              .withHandle(
                  h ->
                      h.createQuery(
                              "select count(*) from invoice i where i.charge_lease_owner is not null"
                                  + " and i.charge_available_at > now()"
                                  + " and not exists (select 1 from charge_attempt a where a.invoice_id = i.id)")
                          .mapTo(Long.class)
                          .one());
      assertThat(leasedButUnattempted)
          .as("invoices leased but not started were handed back")
          .isZero();
      try (var next = CharonProcess.start(env, "worker", "--concurrency", "32")) {
        awaitAllSettled(Duration.ofMinutes(2));
      }
      assertThat(billing.audit(gateway).reconciles()).isTrue();
      assertThat(billing.count("status = 'PAID'")).isEqualTo(800);
    }
  }

  @Test
  void
      a_worker_started_through_the_launcher_writes_a_class_archive_at_exit_that_the_next_start_maps()
          throws Exception {
    billing.dueRun(50);
    var archive = CharonProcess.projectRoot().resolve("target/charon-worker.jsa");
    java.nio.file.Files.deleteIfExists(archive);
    var classLog = java.nio.file.Files.createTempFile("charon-class-load", ".log");
    try (var gateway = GatewayProcess.start()) {
      var env = workerEnv(gateway);
      try (var first = CharonProcess.viaLauncher(env, "worker", "--concurrency", "4")) {
        await()
            .atMost(Duration.ofMinutes(1))
            .until(() -> first.output().contains("charon worker "));
        first.terminate();
        assertThat(first.waitFor(30)).as(first.output()).isZero();
        assertThat(first.output()).as("archiving is quiet").doesNotContain("[cds]");
      }
      assertThat(archive).as("written when the first worker exited").exists();

      env.put("CHARON_JAVA_OPTS", "-Xlog:class+load=info:file=" + classLog);
      try (var second = CharonProcess.viaLauncher(env, "worker", "--concurrency", "4")) {
        await()
            .atMost(Duration.ofMinutes(1))
            .until(() -> second.output().contains("charon worker "));
        awaitAllSettled(Duration.ofMinutes(1));
        assertThat(second.output()).doesNotContain("[cds]");
      }
      var loaded = java.nio.file.Files.readAllLines(classLog);
      long fromArchive =
          loaded.stream().filter(l -> l.contains("source: shared objects file (top)")).count();
      assertThat(fromArchive)
          .as("classes the second worker mapped from the archive the first one wrote")
          .isGreaterThan(1_000);
    } finally {
      java.nio.file.Files.deleteIfExists(classLog);
    }
  }

  /**
   * Waits until nothing is in flight; plays the server's retry task for provider hiccups meanwhile.
   */
  @Test
  void a_second_worker_on_the_same_metrics_port_stops_with_one_line_naming_the_variable() {
    var port = String.valueOf(CharonProcess.freePort());
    var env = db.processEnv("CHARON_METRICS_PORT", port, "CHARON_DB_POOL_SIZE", "8");
    try (var first = CharonProcess.start(env, "worker", "--concurrency", "4")) {
      var metrics = new dev.charon.testing.Http("http://127.0.0.1:" + port);
      await()
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .failFast("first worker exited; see " + first.logFile(), () -> !first.isAlive())
          .until(() -> metrics.get("/health/live").status() == 200);

      try (var second = CharonProcess.start(env, "worker", "--concurrency", "4")) {
        assertThat(second.waitFor(60)).as(second.output()).isEqualTo(2);
        assertThat(second.output())
            .contains(
                "charon worker: port "
                    + port
                    + " (0.0.0.0) is already in use by another process: choose a free"
                    + " one with CHARON_METRICS_PORT (0 picks any free port)")
            .doesNotContain("Exception", "\tat ");
      }
      assertThat(first.isAlive()).as("the first worker keeps running").isTrue();
    }
  }

  private void awaitAllSettled(Duration atMost) {
    await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              billing.runs().enqueueRetries();
              return billing.inFlight() == 0 && billing.count("status = 'RETRY_SCHEDULED'") == 0;
            });
  }

  private List<String> workedBy() {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select distinct worker from charge_attempt")
                    .mapTo(String.class)
                    .list());
  }
}
