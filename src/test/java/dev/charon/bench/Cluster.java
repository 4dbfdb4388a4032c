package dev.charon.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The benchmark's own PostgreSQL cluster (Debian's pg_createcluster, as scripts/chaos-targets.sh
 * does for chaos): autovacuum on and the settings below, so that runs see a database configured
 * like a production one and the machine's shared server is left as it is. Created the first time,
 * reconfigured and restarted on every harness start.
 */
final class Cluster {
  /** auto_explain logs the plan of every statement slower than this (nested ones included). */
  static final int SLOW_PLAN_MS = 500;

  /** Written to conf.d on every start; everything else is Debian's default. */
  final Map<String, String> settings;

  /** Whether pg_stat_statements and auto_explain are loaded ({@link PgStatements}). */
  final boolean pgProfile;

  /** Read back from the running server into the results. */
  static final List<String> REPORTED =
      List.of(
          "server_version",
          "autovacuum",
          "autovacuum_naptime",
          "autovacuum_vacuum_cost_delay",
          "autovacuum_vacuum_cost_limit",
          "autovacuum_max_workers",
          "shared_buffers",
          "max_connections",
          "fsync",
          "synchronous_commit",
          "wal_level",
          "checkpoint_timeout",
          "max_wal_size",
          "work_mem",
          "shared_preload_libraries",
          "pg_stat_statements.track",
          "track_io_timing",
          "auto_explain.log_min_duration");

  final String version;
  final String name;
  final int port;
  final Sql sql;

  Cluster(int port, boolean pgProfile) {
    this.pgProfile = pgProfile;
    this.settings = settings(pgProfile);
    this.version = newestVersion();
    this.name = "charon-bench-" + port;
    this.port = port;
    this.sql = new Sql(port);
  }

  /**
   * With {@code pgProfile}, the profile's libraries: pg_stat_statements tracks nested statements
   * too ({@code track = all}: the tally triggers' statements), with I/O timing (the clock source is
   * read once per block I/O, cheap where the clock is the TSC); auto_explain logs the plans of slow
   * statements without {@code log_analyze} (no per-node timing: it costs nothing on fast ones).
   */
  private static Map<String, String> settings(boolean pgProfile) {
    var s = new LinkedHashMap<String, String>();
    s.put("listen_addresses", "'127.0.0.1'");
    s.put("max_connections", "200");
    s.put("shared_buffers", "'256MB'");
    s.put("autovacuum", "on");
    s.put("log_autovacuum_min_duration", "0");
    s.put("fsync", "on");
    s.put("synchronous_commit", "on");
    if (pgProfile) {
      s.put("shared_preload_libraries", "'pg_stat_statements,auto_explain'");
      s.put("pg_stat_statements.track", "all");
      s.put("pg_stat_statements.max", "10000");
      s.put("track_io_timing", "on");
      s.put("auto_explain.log_min_duration", "'" + SLOW_PLAN_MS + "ms'");
      s.put("auto_explain.log_nested_statements", "on");
      s.put("auto_explain.log_analyze", "off");
    }
    return s;
  }

  void start() throws IOException, InterruptedException {
    var conf = Path.of("/etc/postgresql", version, name);
    if (!Files.isDirectory(conf)) {
      run(
          List.of(
              "pg_createcluster", version, name, "-p", String.valueOf(port), "--", "--auth=trust"));
    }
    var lines = new ArrayList<String>();
    lines.add("# Written by the benchmark harness (dev.charon.bench.Cluster) on every start.");
    settings.forEach((k, v) -> lines.add(k + " = " + v));
    Files.write(conf.resolve("conf.d/charon-bench.conf"), lines);
    run(List.of("pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"));
    Procs.await("the benchmark cluster on port " + port, Duration.ofSeconds(60), () -> ready());
    if (pgProfile) {
      sql.exec("postgres", "create extension if not exists pg_stat_statements");
    }
  }

  /** Debian's log file of the cluster, where auto_explain writes its plans. */
  Path logFile() {
    return Path.of("/var/log/postgresql", "postgresql-" + version + "-" + name + ".log");
  }

  private boolean ready() {
    try {
      return run(List.of("pg_isready", "-q", "-h", "127.0.0.1", "-p", String.valueOf(port))) == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  long postmasterPid() {
    try {
      var dataDir = (String) sql.value("postgres", "show data_directory");
      return Long.parseLong(Files.readAllLines(Path.of(dataDir, "postmaster.pid")).get(0).trim());
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the postmaster's pid", e);
    }
  }

  Map<String, Object> reportedSettings() {
    var out = new LinkedHashMap<String, Object>();
    for (var row :
        sql.rows(
            "postgres",
            "select name, setting, unit from pg_settings where name in ('"
                + String.join("','", REPORTED)
                + "') order by name")) {
      out.put(
          (String) row.get("name"),
          row.get("setting") + (row.get("unit") == null ? "" : " " + row.get("unit")));
    }
    return out;
  }

  String bin(String tool) {
    return "/usr/lib/postgresql/" + version + "/bin/" + tool;
  }

  /** Drops every database the harness made (all are named bench_*). */
  void dropBenchDatabases() {
    for (var row :
        sql.rows("postgres", "select datname from pg_database where datname like 'bench\\_%'")) {
      var db = (String) row.get("datname");
      sql.exec(
          "postgres",
          "alter database " + db + " with allow_connections true",
          "drop database if exists " + db + " with (force)");
    }
  }

  private static int run(List<String> command) throws IOException, InterruptedException {
    var p = new ProcessBuilder(command).redirectErrorStream(true).start();
    var out = new String(p.getInputStream().readAllBytes());
    int rc = p.waitFor();
    if (rc != 0 && !command.get(0).equals("pg_isready")) {
      throw new IllegalStateException(
          String.join(" ", command) + " exited " + rc + ": " + out.strip());
    }
    return rc;
  }

  private static String newestVersion() {
    try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
      return versions
          .map(p -> p.getFileName().toString())
          .filter(v -> v.matches("\\d+"))
          .max(Comparator.comparingInt(Integer::parseInt))
          .orElseThrow(
              () -> new IllegalStateException("no PostgreSQL server under /usr/lib/postgresql"));
    } catch (IOException e) {
      throw new IllegalStateException(
          "the benchmark needs Debian's PostgreSQL server packages (/usr/lib/postgresql)", e);
    }
  }
}
