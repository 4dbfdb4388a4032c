package dev.charon.chaos;

import static org.awaitility.Awaitility.await;

import dev.charon.auth.ApiKeys;
import dev.charon.auth.Role;
import dev.charon.testing.CharonProcess;
import dev.charon.testing.GatewayProcess;
import dev.charon.testing.Http;
import dev.charon.testing.TestDatabase;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The real roles as OS processes for one chaos scenario: a faulty gateway, servers, workers, on one
 * test database and (for rabbitmq) a queue of its own. Closing it stops everything.
 */
final class ChaosCluster implements AutoCloseable {
  enum Transport {
    POSTGRES,
    RABBITMQ
  }

  /** Provider calls in flight per worker: few enough that a run lasts long enough to be hit. */
  static final int WORKER_CONCURRENCY = 4;

  final Transport transport;
  final Random random;
  private final TestDatabase db;
  private String operatorKey;
  private final Map<String, String> env = new HashMap<>();
  final List<CharonProcess> servers = new ArrayList<>();
  final List<Integer> serverPorts = new ArrayList<>();
  final List<CharonProcess> workers = new ArrayList<>();
  GatewayProcess gateway;
  private String[] gatewayFlags;

  ChaosCluster(TestDatabase db, Transport transport, long seed, String queueName) {
    this.db = db;
    this.transport = transport;
    this.random = new Random(seed);
    env.putAll(db.processEnv());
    env.put("CHARON_LOG_LEVEL", "WARN");
    env.put("CHARON_METRICS_PORT", "0");
    env.put("CHARON_DB_POOL_SIZE", "6");
    env.put("CHARON_QUEUE", transport.name().toLowerCase(java.util.Locale.ROOT));
    var amqpUrl = System.getenv("CHARON_TEST_AMQP_URL");
    if (amqpUrl != null && !amqpUrl.isBlank()) {
      env.put("CHARON_AMQP_URL", amqpUrl);
    }
    env.put("CHARON_AMQP_EXCHANGE", queueName);
    env.put("CHARON_AMQP_QUEUE", queueName);
    env.put("CHARON_AMQP_RECOVERY_INTERVAL", "500ms");
    env.put("CHARON_RELAY_REPUBLISH_AFTER", "20s");
    env.put("CHARON_RETRY_POLL", "1s");
    env.put("CHARON_BILLING_BATCH", "25");
    env.put("CHARON_RETRY_BASE", "300ms");
    env.put("CHARON_RETRY_MAX", "3s");
    env.put("CHARON_RECONCILE_BASE", "300ms");
    env.put("CHARON_RECONCILE_MAX", "3s");
    env.put("CHARON_BREAKER_COOLDOWN", "2s");
    env.put("CHARON_LEASE", "5s");
    env.put("CHARON_DRAIN_DEADLINE", "10s");
    env.put("CHARON_GATEWAY_TIMEOUT", "2s");
  }

  /** Sets environment variables (name, value, ...) of the processes started from now on. */
  void set(String... nameValues) {
    for (int i = 0; i < nameValues.length; i += 2) {
      env.put(nameValues[i], nameValues[i + 1]);
    }
  }

  String queueName() {
    return env.get("CHARON_AMQP_QUEUE");
  }

  ChaosCluster gateway(String... flags) {
    gatewayFlags = flags;
    gateway = GatewayProcess.start(flags);
    env.put("CHARON_GATEWAY_URL", gateway.url());
    return this;
  }

  /**
   * Restarts the gateway on the same port and journal (its state must survive); verifies both
   * halves.
   */
  void killAndRestartGateway() {
    var journal = gateway.journal();
    int port = gateway.port();
    gateway.process().kill();
    Verify.that(gateway.process().waitFor(10) != -1, "gateway still alive 10 s after SIGKILL");
    gateway = GatewayProcess.start(journal, port, gatewayFlags); // waits until it answers /health
  }

  /**
   * Messages in this scenario's broker queue (ready and unacknowledged); 0 for the postgres
   * transport.
   */
  long brokerDepth() {
    if (transport != Transport.RABBITMQ) {
      return 0;
    }
    var queue = env.get("CHARON_AMQP_QUEUE");
    for (var line : ChaosIT.rabbitmqctl("list_queues", "name", "messages").split("\n")) {
      var columns = line.trim().split("\s+");
      if (columns.length == 2 && columns[0].equals(queue)) {
        return Long.parseLong(columns[1]);
      }
    }
    return 0; // not declared yet
  }

  void outage(boolean on) {
    var response =
        new Http(gateway.url())
            .send(
                HttpRequest.newBuilder(URI.create(gateway.url() + "/admin/outage"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"enabled\":" + on + "}")));
    if (response.status() != 200) {
      throw new IllegalStateException(
          "outage switch answered " + response.status() + ": " + response.body());
    }
  }

  CharonProcess startServer(String... extraEnv) {
    int port = CharonProcess.freePort();
    var serverEnv = new HashMap<>(env);
    for (int i = 0; i < extraEnv.length; i += 2) {
      serverEnv.put(extraEnv[i], extraEnv[i + 1]);
    }
    var server = CharonProcess.start(serverEnv, "server", "--port", String.valueOf(port));
    servers.add(server);
    serverPorts.add(port);
    var http = new Http("http://127.0.0.1:" + port);
    await()
        .atMost(Duration.ofSeconds(180))
        .ignoreExceptions()
        .failFast("server exited; see " + server.logFile(), () -> !server.isAlive())
        .until(() -> http.get("/health/ready").status() == 200);
    return server;
  }

  /**
   * Starts a worker and waits until it is ready, as a deploy waits for readiness before moving on.
   */
  CharonProcess startWorker() {
    return startWorkers(1).getFirst();
  }

  /**
   * Starts {@code n} workers at once and waits until all are ready (minutes: on a loaded 2-core
   * machine JVM starts crawl).
   */
  List<CharonProcess> startWorkers(int n) {
    var started = new ArrayList<CharonProcess>();
    for (int i = 0; i < n; i++) {
      started.add(launchWorker());
    }
    return awaitReady(started);
  }

  /**
   * Starts a server and {@code n} workers at once (the workers need nothing of the server) and
   * waits until all are ready: one JVM start's wait instead of two in a row.
   */
  void startServerAndWorkers(int n) {
    var started = new ArrayList<CharonProcess>();
    for (int i = 0; i < n; i++) {
      started.add(launchWorker());
    }
    startServer();
    awaitReady(started);
  }

  /** Waits until each of these workers is ready (3 minutes each at most), or fails. */
  List<CharonProcess> awaitReady(List<CharonProcess> started) {
    for (var worker : started) {
      await()
          .atMost(Duration.ofSeconds(180))
          .pollInterval(Duration.ofMillis(100))
          .failFast("worker exited; see " + worker.logFile(), () -> !worker.isAlive())
          .until(() -> ready(worker));
    }
    return started;
  }

  /** Starts a worker without waiting for it. */
  CharonProcess launchWorker() {
    var worker =
        CharonProcess.start(env, "worker", "--concurrency", String.valueOf(WORKER_CONCURRENCY));
    workers.add(worker);
    return worker;
  }

  /**
   * Starts a worker behind a command prefix (a network namespace) with environment overrides (name,
   * value, ...), and waits until it is ready. Closed with the cluster.
   */
  CharonProcess startWorkerBehind(List<String> prefix, String... overrides) {
    var workerEnv = new HashMap<>(env);
    for (int i = 0; i < overrides.length; i += 2) {
      workerEnv.put(overrides[i], overrides[i + 1]);
    }
    var worker =
        CharonProcess.startBehind(
            prefix, workerEnv, "worker", "--concurrency", String.valueOf(WORKER_CONCURRENCY));
    workers.add(worker);
    await()
        .atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofMillis(100))
        .failFast("worker exited; see " + worker.logFile(), () -> !worker.isAlive())
        .until(() -> ready(worker));
    return worker;
  }

  /** The environment the cluster's processes are started with. */
  String env(String name) {
    return env.get(name);
  }

  // Ready once it has printed its banner: its drain hook is installed and it is consuming.
  private static boolean ready(CharonProcess worker) {
    return worker.isAlive() && worker.output().contains("charon worker ");
  }

  /** A random worker that is alive and ready, waiting for one if every worker is still starting. */
  CharonProcess readyWorker() {
    await()
        .atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> workers.stream().anyMatch(ChaosCluster::ready));
    var ready = workers.stream().filter(ChaosCluster::ready).toList();
    return ready.get(random.nextInt(ready.size()));
  }

  /** Starts the run of the current period through a server's API, as an operator would. */
  void startRun(String period) {
    var response = operator().post("/rest/v1/billing-runs", "{\"period\":\"" + period + "\"}");
    if (response.status() != 201 && response.status() != 200) {
      throw new IllegalStateException(
          "starting the run answered " + response.status() + ": " + response.body());
    }
  }

  /** The first server's API with an operator key made for this scenario. */
  Http operator() {
    if (operatorKey == null) {
      operatorKey =
          new ApiKeys(db.jdbi(), Clock.systemUTC())
              .create(Role.OPERATOR, "chaos-operator-" + System.nanoTime())
              .secret();
    }
    return new Http("http://127.0.0.1:" + serverPorts.getFirst()).bearer(operatorKey);
  }

  @Override
  public void close() {
    workers.forEach(CharonProcess::close);
    servers.forEach(CharonProcess::close);
    if (gateway != null) {
      gateway.close();
    }
    if (transport != Transport.RABBITMQ) {
      return; // no queue was declared; rabbitmqctl costs seconds of a loaded machine a call
    }
    try {
      ChaosIT.rabbitmqctl("delete_queue", env.get("CHARON_AMQP_QUEUE"));
      ChaosIT.rabbitmqctl("delete_queue", env.get("CHARON_AMQP_QUEUE") + ".dead");
    } catch (Exception e) {
      // best effort: a run that failed early may not have declared them
    }
  }
}
