package dev.charon.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What every scenario shares: the jar, the cluster, the process list, seeded template databases.
 */
final class Context {
  final Path root;
  final Path out;
  final Path jar;
  final Cluster cluster;
  final Procs procs;
  final String period = YearMonth.now(ZoneOffset.UTC).toString();

  /** Whether the e2e scenarios' JVMs run with a JFR recording ({@link JfrSummary}). */
  boolean profile;

  /** Names this jar's databases apart from another jar's (a baseline) in the same cluster. */
  final String tag;

  private final Map<Integer, String> templates;
  private final int[] databases;

  Context(Path root, Path out, Path jar, Cluster cluster, Procs procs) {
    this(root, out, jar, cluster, procs, "", new HashMap<>(), new int[1]);
  }

  private Context(
      Path root,
      Path out,
      Path jar,
      Cluster cluster,
      Procs procs,
      String tag,
      Map<Integer, String> templates,
      int[] databases) {
    this.root = root;
    this.out = out;
    this.jar = jar;
    this.cluster = cluster;
    this.procs = procs;
    this.tag = tag;
    this.templates = templates;
    this.databases = databases;
  }

  /** The same jar, its output under {@code out}: one repeated run of a scenario. */
  Context into(Path runOut) {
    try {
      java.nio.file.Files.createDirectories(runOut);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    var copy = new Context(root, runOut, jar, cluster, procs, tag, templates, databases);
    copy.profile = profile;
    return copy;
  }

  /** Another jar (the baseline) in the same cluster, its templates seeded by its own jar. */
  Context forJar(Path otherJar, String otherTag) {
    var other =
        new Context(root, out, otherJar, cluster, procs, otherTag, new HashMap<>(), databases);
    other.profile = profile;
    return other;
  }

  String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** {@code java [options] -jar charon.jar args...} */
  List<String> charon(List<String> jvmOptions, String... args) {
    var command = new ArrayList<String>();
    command.add(java());
    command.addAll(jvmOptions);
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(List.of(args));
    return command;
  }

  /**
   * The JVM options of a process recorded with JFR (the profile settings: Java stacks sampled every
   * 10 ms), written to {@code out/<name>.jfr} by {@code jcmd JFR.dump} when the window closes
   * ({@link ChargeRun.Started#dumpJfr}), or none when the harness runs without {@code --profile}.
   */
  List<String> jfr(String name) {
    if (!profile) {
      return List.of();
    }
    // The CPU-time sampler (JDK 25, Linux, experimental) sees native code and system calls too.
    var cpuTime =
        Runtime.version().feature() >= 25 && System.getProperty("os.name").equals("Linux")
            ? ",jdk.CPUTimeSample#enabled=true"
            : "";
    return List.of(
        "-XX:StartFlightRecording=filename="
            + jfrFile(name)
            + ",settings=profile,name=bench"
            + cpuTime);
  }

  Path jfrFile(String name) {
    return out.resolve(name + ".jfr");
  }

  Map<String, String> dbEnv(String database) {
    return Map.of(
        "CHARON_DB_URL",
        cluster.sql.url(database),
        "CHARON_DB_USER",
        "postgres",
        "CHARON_QUEUE",
        "postgres");
  }

  /**
   * A fresh database holding {@code invoices} due invoices, copied from a template that {@code
   * charon seed} filled once per size. Neither copies nor templates are vacuumed by the harness:
   * every scenario (the pgbench ceiling included) starts from what seed left, and autovacuum does
   * the rest as it would in production.
   */
  String freshDatabase(String name, int invoices) {
    var template = templates.computeIfAbsent(invoices, this::seedTemplate);
    var db = "bench_" + name + tag + "_" + (++databases[0]);
    cluster.sql.exec(
        "postgres",
        "drop database if exists " + db,
        "create database " + db + " template " + template);
    return db;
  }

  private String seedTemplate(int invoices) {
    var db = "bench_tpl_" + invoices + tag;
    Bench.log("seeding template %s (%,d customers, one due invoice each)", db, invoices);
    cluster.sql.exec("postgres", "drop database if exists " + db, "create database " + db);
    var done =
        procs.run(
            "seed-" + invoices + tag,
            dbEnv(db),
            charon(
                List.of(),
                "seed",
                "--customers",
                String.valueOf(invoices),
                "--invoices-per-customer",
                "1"),
            Duration.ofMinutes(60));
    if (done.exit() != 0) {
      throw new IllegalStateException("seed exited " + done.exit() + ": " + done.lastLine());
    }
    cluster.sql.exec("postgres", "alter database " + db + " with allow_connections false");
    return db;
  }

  void drop(String database) {
    cluster.sql.exec("postgres", "drop database if exists " + database + " with (force)");
  }
}
