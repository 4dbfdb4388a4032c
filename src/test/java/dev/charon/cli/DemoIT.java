package dev.charon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.charon.testing.CharonProcess;
import dev.charon.testing.Http;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Starts the real jar's demo role through ./charon, as a user would, on embedded PostgreSQL. */
class DemoIT {
  @Test
  void demo_starts_on_embedded_postgres_and_answers_health_and_invoices() {
    int port = CharonProcess.freePort();
    var dataDir = CharonProcess.sharedTempDir("charon-demo-it").resolve("db");
    long started = System.nanoTime();
    try (var demo =
        CharonProcess.viaLauncher(
            Map.of("CHARON_DATA_DIR", dataDir.toString()),
            "demo",
            "--port",
            String.valueOf(port),
            "--exit-after",
            "120")) {
      var http = new Http("http://127.0.0.1:" + port);
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(250))
          .ignoreExceptions()
          .failFast("demo exited; see " + demo.logFile(), () -> !demo.isAlive())
          .until(() -> http.get("/rest/health").status() == 200);
      System.out.printf(
          "demo answered /rest/health after %.1f s%n", (System.nanoTime() - started) / 1e9);

      var key = Pattern.compile("API key +(chk_[A-Za-z0-9_-]+)").matcher(demo.output());
      assertThat(key.find()).as("the demo prints an operator key: " + demo.output()).isTrue();
      assertThat(http.get("/rest/v1/invoices/1").status()).as("no key, no invoices").isEqualTo(401);
      var operator = http.bearer(key.group(1));
      var invoice = operator.get("/rest/v1/invoices/1");
      assertThat(invoice.status()).isEqualTo(200);
      assertThat(invoice.json().get("amount").get("currency").asText()).isNotBlank();
      assertThat(operator.get("/rest/v1/invoices").json()).hasSize(1000);
      assertThat(demo.output())
          .contains("data directory: " + dataDir)
          .contains("/rest/v1/invoices");
      // The console link signs the same operator in; the page itself comes from the jar.
      assertThat(demo.output())
          .contains("console  http://localhost:" + port + "/#key=" + key.group(1));
      var console = http.get("/");
      assertThat(console.status()).isEqualTo(200);
      assertThat(console.body()).contains("/console/app.js");
      assertThat(http.get("/docs").body()).contains("swagger-ui");
    }
  }

  @Test
  void demo_exits_by_itself_after_exit_after_seconds() {
    int port = CharonProcess.freePort();
    var dataDir = CharonProcess.sharedTempDir("charon-demo-it").resolve("db");
    try (var demo =
        CharonProcess.viaLauncher(
            Map.of("CHARON_DATA_DIR", dataDir.toString()),
            "demo",
            "--port",
            String.valueOf(port),
            "--exit-after",
            "3")) {
      assertThat(demo.waitFor(90)).as(demo.output()).isZero();
      assertThat(demo.output()).contains("--exit-after 3 s reached");
    }
  }

  // The demo starts what a server starts: on RabbitMQ its outbox relay publishes the run's charge
  // requests, so they are charged (they stayed in flight when the demo wired its own roles).
  @Test
  void on_rabbitmq_the_demo_charges_its_run_and_stops_without_an_error_line() {
    var dataDir = CharonProcess.sharedTempDir("charon-demo-it").resolve("db-rabbitmq");
    var names = "demo-it-" + ProcessHandle.current().pid();
    try (var demo =
        CharonProcess.viaLauncher(
            Map.of(
                "CHARON_DATA_DIR", dataDir.toString(),
                "CHARON_QUEUE", "rabbitmq",
                "CHARON_AMQP_EXCHANGE", names + ".charges",
                "CHARON_AMQP_QUEUE", names + ".requests",
                "CHARON_EVENTS_EXCHANGE", names + ".events"),
            "demo",
            "--port",
            String.valueOf(CharonProcess.freePort()),
            "--exit-after",
            "25")) {
      assertThat(demo.waitFor(150)).as(demo.output()).isZero();
      assertThat(demo.output())
          .contains("outbox relay")
          .containsPattern("billing run \\d+ for \\d{4}-\\d{2}: FINISHED")
          .contains("--exit-after 25 s reached")
          .doesNotContain("ERROR", "Exception", "demo billing run stopped");
    }
  }

  @Test
  void on_rabbitmq_without_a_broker_the_demo_stops_with_one_line_naming_CHARON_AMQP_URL() {
    var dataDir = CharonProcess.sharedTempDir("charon-demo-it").resolve("db-no-broker");
    try (var demo =
        CharonProcess.viaLauncher(
            Map.of(
                "CHARON_DATA_DIR",
                dataDir.toString(),
                "CHARON_QUEUE",
                "rabbitmq",
                "CHARON_AMQP_URL",
                "amqp://guest:guest@127.0.0.1:" + CharonProcess.freePort() + "/%2F"),
            "demo",
            "--port",
            String.valueOf(CharonProcess.freePort()))) {
      assertThat(demo.waitFor(90)).as(demo.output()).isEqualTo(2);
      assertThat(demo.output())
          .contains(
              "charon demo: cannot reach RabbitMQ at amqp://guest:***@127.0.0.1:",
              "CHARON_AMQP_URL")
          .doesNotContain("Exception", "\tat ");
    }
  }

  @Test
  void a_second_demo_on_the_same_data_directory_stops_with_one_line_naming_CHARON_DATA_DIR() {
    var dataDir = CharonProcess.sharedTempDir("charon-demo-it").resolve("db");
    var env = Map.of("CHARON_DATA_DIR", dataDir.toString());
    int port = CharonProcess.freePort();
    try (var first =
        CharonProcess.viaLauncher(
            env, "demo", "--port", String.valueOf(port), "--exit-after", "120")) {
      awaitServing(first, port);

      try (var second =
          CharonProcess.viaLauncher(
              env, "demo", "--port", String.valueOf(CharonProcess.freePort()))) {
        assertThat(second.waitFor(60)).as(second.output()).isEqualTo(2);
        assertThat(second.output())
            .contains(
                "charon demo: another demo is using the data directory "
                    + dataDir
                    + ": stop it, or give this one"
                    + " its own, e.g. CHARON_DATA_DIR="
                    + dataDir
                    + "-2 ./charon demo")
            .doesNotContain("Exception", "\tat ");
      }
      assertThat(first.isAlive()).as("the first demo keeps running").isTrue();
    }
  }

  @Test
  void a_demo_whose_port_is_taken_stops_with_one_line_naming_the_option_and_the_variable()
      throws IOException {
    var dataDir = CharonProcess.sharedTempDir("charon-demo-it").resolve("db");
    try (var taken = new java.net.ServerSocket(0);
        var demo =
            CharonProcess.viaLauncher(
                Map.of("CHARON_DATA_DIR", dataDir.toString()),
                "demo",
                "--port",
                String.valueOf(taken.getLocalPort()))) {
      assertThat(demo.waitFor(60)).as(demo.output()).isEqualTo(2);
      assertThat(demo.output())
          .contains(
              "charon demo: port " + taken.getLocalPort() + " (0.0.0.0) is already in use",
              "--port or CHARON_HTTP_PORT")
          .doesNotContain("Exception", "\tat ");
    }
  }

  // The usual case in a container or a fresh VM: a clone in root's home (mode 700), run as root.
  // PostgreSQL refuses root; the launcher used to run the JVM as nobody, who could not read the
  // jar.
  @Test
  void as_root_the_demo_starts_from_a_checkout_in_a_home_only_root_can_enter() throws IOException {
    assumeTrue(
        isRoot(),
        "only as root (CI runs as root): the case is ./charon demo run by root from root's home");
    var home = privateHome();
    var checkout = copyOfCheckout(home);
    var dataDir = CharonProcess.sharedTempDir("charon-demo-it").resolve("db");
    int port = CharonProcess.freePort();
    try (var demo =
        CharonProcess.viaLauncherIn(
            checkout,
            Map.of("HOME", home.toString(), "CHARON_DATA_DIR", dataDir.toString()),
            "demo",
            "--port",
            String.valueOf(port),
            "--exit-after",
            "120")) {
      awaitServing(demo, port);
      assertThat(ProcessHandle.of(demo.pid()).flatMap(p -> p.info().user()))
          .as("the JVM stays root")
          .contains("root");
      assertThat(demo.output())
          .doesNotContain("building"); // the copy's jar is up to date: no rebuild
    } finally {
      deleteTree(home);
    }
  }

  // Docker's default seccomp profile forbids user namespaces (zonky's own way round root): then
  // initdb and pg_ctl are run as nobody through setpriv. A failing `unshare` first on the PATH
  // stands for that profile.
  @Test
  void as_root_without_user_namespaces_postgres_runs_as_nobody_and_the_demo_serves()
      throws IOException {
    assumeTrue(isRoot(), "only as root (CI runs as root): the case is ./charon demo run by root");
    var home = privateHome();
    var checkout = copyOfCheckout(home);
    var shared = CharonProcess.sharedTempDir("charon-demo-it");
    var noUserNamespaces = Files.createDirectories(shared.resolve("no-userns"));
    var unshare = noUserNamespaces.resolve("unshare");
    Files.writeString(
        unshare,
        "#!/bin/sh\necho 'unshare: unshare failed: Operation not permitted' >&2\nexit 1\n");
    Files.setPosixFilePermissions(unshare, PosixFilePermissions.fromString("rwxr-xr-x"));
    var dataDir = shared.resolve("db");
    int port = CharonProcess.freePort();
    var env =
        Map.of(
            "HOME",
            home.toString(),
            "CHARON_DATA_DIR",
            dataDir.toString(),
            "PATH",
            noUserNamespaces + ":" + System.getenv("PATH"));
    try (var demo =
        CharonProcess.viaLauncherIn(
            checkout, env, "demo", "--port", String.valueOf(port), "--exit-after", "120")) {
      awaitServing(demo, port);
      var postgres =
          ProcessHandle.allProcesses()
              .filter(
                  p ->
                      p.info()
                          .commandLine()
                          .filter(c -> c.contains("bin/postgres") && c.contains(dataDir.toString()))
                          .isPresent())
              .map(p -> p.info().user().orElse("?"))
              .toList();
      assertThat(postgres).as("the server's processes").isNotEmpty().containsOnly("nobody");
      assertThat(ProcessHandle.of(demo.pid()).flatMap(p -> p.info().user()))
          .as("the JVM stays root")
          .contains("root");
    } finally {
      deleteTree(home);
    }
  }

  private static void awaitServing(CharonProcess demo, int port) {
    var http = new Http("http://127.0.0.1:" + port);
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(250))
        .ignoreExceptions()
        .failFast("demo exited; see " + demo.logFile(), () -> !demo.isAlive())
        .until(() -> http.get("/rest/health").status() == 200);
    var key = Pattern.compile("API key +(chk_[A-Za-z0-9_-]+)").matcher(demo.output());
    assertThat(key.find()).as("the demo prints an operator key: " + demo.output()).isTrue();
    assertThat(http.bearer(key.group(1)).get("/rest/v1/invoices/1").status()).isEqualTo(200);
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  /** Like root's home on Debian: a folder only its owner may enter. */
  private static Path privateHome() throws IOException {
    var home = Files.createTempDirectory("charon-root-home");
    Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
    return home;
  }

  /**
   * What a clone holds that ./charon uses, with its times kept so that the jar stays up to date.
   */
  private static Path copyOfCheckout(Path home) throws IOException {
    var root = CharonProcess.projectRoot();
    var checkout = Files.createDirectory(home.resolve("charon"));
    for (var name :
        List.of("charon", "mvnw", "pom.xml", ".mvn", "scripts", "src/main", "target/charon.jar")) {
      var from = root.resolve(name);
      try (var paths = Files.walk(from)) {
        var all = paths.toList();
        for (var path : all) {
          var to = checkout.resolve(root.relativize(path).toString());
          Files.createDirectories(to.getParent());
          Files.copy(path, to, StandardCopyOption.COPY_ATTRIBUTES);
        }
        for (var path :
            all.reversed()) { // copying into a folder touched it: its time back, children first
          Files.setLastModifiedTime(
              checkout.resolve(root.relativize(path).toString()), Files.getLastModifiedTime(path));
        }
      }
    }
    return checkout;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (var path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
