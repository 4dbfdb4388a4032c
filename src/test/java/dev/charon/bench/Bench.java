package dev.charon.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Charon's benchmark harness (issue 17). Starts its own PostgreSQL cluster, builds the jar of the
 * named commit, runs the scenarios and writes every figure to {@code
 * bench/results/<date>-<commit>.json}; BENCHMARKS.md is rendered from that file ({@link Report}).
 * Run it with {@code bench/run}.
 */
@Command(
    name = "bench/run",
    mixinStandardHelpOptions = true,
    subcommands = Bench.Render.class,
    description =
        "Charon's benchmark harness: its own PostgreSQL cluster, the jar of --commit, results JSON, BENCHMARKS.md.")
public final class Bench implements Callable<Integer> {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Sizes of one harness run; every one can be set on the command line. */
  enum Mode {
    quick(2_000, 64, 2_000, 512, 100, 20_000, 2_000, 40),
    medium(20_000, 64, 100_000, 512, 100, 1_000_000, 20_000, 200),
    full(20_000, 64, 1_000_000, 512, 100, 10_000_000, 100_000, 200);
    final int e2eInvoices,
        e2eConcurrency,
        largeInvoices,
        largeConcurrency,
        latencyMs,
        bigBackground,
        bigDue,
        probes;

    Mode(
        int e2eInvoices,
        int e2eConcurrency,
        int largeInvoices,
        int largeConcurrency,
        int latencyMs,
        int bigBackground,
        int bigDue,
        int probes) {
      this.e2eInvoices = e2eInvoices;
      this.e2eConcurrency = e2eConcurrency;
      this.largeInvoices = largeInvoices;
      this.largeConcurrency = largeConcurrency;
      this.latencyMs = latencyMs;
      this.bigBackground = bigBackground;
      this.bigDue = bigDue;
      this.probes = probes;
    }
  }

  @Option(
      names = "--mode",
      description = "quick (CI, < 2 min), medium, full (default: ${DEFAULT-VALUE}).",
      defaultValue = "medium")
  Mode mode;

  @Option(
      names = "--commit",
      description = "Commit whose jar is measured (default: ${DEFAULT-VALUE}).",
      defaultValue = "HEAD")
  String commit;

  @Option(
      names = "--jar",
      description = "Measure this jar instead of building one (it must be the --commit's build).")
  Path jar;

  @Option(
      names = "--scenarios",
      split = ",",
      description = "Scenarios to run (default: all): e2e,e2e2,ceiling,large,bigdb,clients.")
  List<String> scenarios = List.of("e2e", "e2e2", "ceiling", "large", "bigdb", "clients");

  @Option(
      names = "--client-calls",
      description =
          "Calls per HTTP client in the clients scenario (default: 2,000 in quick mode, else 20,000).")
  Integer clientCalls;

  @Option(
      names = "--pg-port",
      description = "Port of the benchmark cluster (default: ${DEFAULT-VALUE}).",
      defaultValue = "5450")
  int pgPort;

  @Option(
      names = "--results-dir",
      description = "Where the results JSON goes (default: ${DEFAULT-VALUE}).",
      defaultValue = "bench/results")
  Path resultsDir;

  @Option(
      names = "--benchmarks-md",
      description = "File rendered from the results (default: ${DEFAULT-VALUE}; 'none' to skip).",
      defaultValue = "BENCHMARKS.md")
  String benchmarksMd;

  @Option(
      names = "--no-pg-profile",
      negatable = true,
      description =
          "Without pg_stat_statements and auto_explain on the cluster (by default they are loaded and each charge scenario's top statements and slow plans written).")
  boolean pgProfile = true;

  @Option(
      names = "--profile",
      negatable = true,
      description =
          "Record the e2e scenarios' worker(s) and gateway with JFR (settings=profile) and summarise where their CPU goes (default: on in medium and full mode, off in quick).")
  Boolean profile;

  @Option(
      names = "--baseline",
      description =
          "A commit measured beside --commit in this invocation (its jar built in a git worktree):"
              + " each scenario runs --repeats times for each, alternating, and the results"
              + " give medians, spreads and the change against it (issue 26).")
  String baseline;

  @Option(
      names = "--repeats",
      description = "Runs of each scenario per commit (default: 3 with --baseline, else 1).")
  Integer repeats;

  @Option(
      names = "--charon-env",
      description =
          "NAME=VALUE for every Charon process the harness starts, both sides of an A/B (e.g."
              + " CHARON_WORKER_PIPELINES=2); repeatable, recorded in the results under run.charon_env.")
  List<String> charonEnv = new ArrayList<>();

  @Option(names = "--e2e-invoices")
  Integer e2eInvoices;

  @Option(names = "--e2e-concurrency")
  Integer e2eConcurrency;

  @Option(names = "--large-invoices")
  Integer largeInvoices;

  @Option(names = "--large-concurrency")
  Integer largeConcurrency;

  @Option(names = "--latency-ms")
  Integer latencyMs;

  @Option(names = "--big-background-invoices")
  Integer bigBackground;

  @Option(names = "--big-due-invoices")
  Integer bigDue;

  @Option(
      names = "--big-probes",
      description = "Idle reads per overview request in the bigdb scenario (default: the mode's).")
  Integer bigProbes;

  @Option(
      names = "--big-keep",
      description =
          "Keep the big database's filled data as a template (bigtpl_<background>_<due>) and reuse it in later runs: a before/after pair on the same data.")
  boolean bigKeep;

  /** Where the results file was written, for callers (the quick-mode test). */
  Path written;

  /** The command line as given, written into the results. */
  private String[] arguments = new String[0];

  public static void main(String[] args) {
    var bench = new Bench();
    bench.arguments = args.clone();
    System.exit(new CommandLine(bench).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    var root = Path.of("").toAbsolutePath();
    var started = Instant.now();
    var stamp =
        DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmm").withZone(ZoneOffset.UTC).format(started);
    var build = jar == null ? JarBuild.build(root, commit) : JarBuild.given(root, commit, jar);
    var out = root.resolve("bench/out/run-" + stamp + "-" + build.commit());
    Files.createDirectories(out);
    var results = JSON.createObjectNode();
    results.put("schema", 1);
    var run = results.putObject("run");
    run.put("started_at", started.toString());
    run.put("mode", mode.name());
    run.put("commit", build.commit());
    run.put("commit_subject", build.subject());
    run.put("jar_sha256", build.sha256());
    run.put("jar_built_by_harness", jar == null);
    run.put(
        "command",
        "bench/run --mode "
            + mode
            + " --commit "
            + build.commit()
            + (scenarios.size() < 6 ? " --scenarios " + String.join(",", scenarios) : "")
            + (baseline != null ? " --baseline " + baseline : ""));
    run.put("arguments", String.join(" ", arguments));
    Machine.describe(results.putObject("machine"));

    var cluster = new Cluster(pgPort, pgProfile);
    log(
        "starting the benchmark cluster %s on port %d (load %s)",
        cluster.name, pgPort, Cpu.loadavg());
    cluster.start();
    cluster.dropBenchDatabases();
    var clusterNode = results.putObject("cluster");
    clusterNode.put("name", cluster.name);
    clusterNode.put("port", pgPort);
    clusterNode.set("settings_written", JSON.valueToTree(cluster.settings));
    clusterNode.set("settings", JSON.valueToTree(cluster.reportedSettings()));

    var scenarioNode = results.putObject("scenarios");
    var baselineBuild = baseline == null ? null : JarBuild.build(root, baseline);
    if (baselineBuild != null) {
      var b = run.putObject("baseline");
      b.put("commit", baselineBuild.commit());
      b.put("commit_subject", baselineBuild.subject());
      b.put("jar_sha256", baselineBuild.sha256());
    }
    int rounds = or(repeats, baseline == null ? 1 : 3);
    run.put("repeats", rounds);
    var settings = new TreeMap<String, String>();
    for (var pair : charonEnv) {
      int eq = pair.indexOf('=');
      if (eq < 1 || !pair.startsWith("CHARON_")) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--charon-env wants CHARON_NAME=VALUE, got: " + pair);
      }
      settings.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    run.set("charon_env", JSON.valueToTree(settings));
    var env = new TreeMap<String, String>(Map.of("CHARON_LOG_LEVEL", "WARN"));
    env.putAll(settings);
    try (var procs = new Procs(out, env)) {
      var ctx = new Context(root, out, build.jar(), cluster, procs);
      ctx.profile = profile == null ? mode != Mode.quick && rounds == 1 : profile;
      run.put("jfr_profile", ctx.profile);
      run.put("pg_profile", pgProfile);
      var sides = new java.util.LinkedHashMap<String, Context>();
      sides.put("target", ctx);
      if (baselineBuild != null) {
        sides.put("baseline", ctx.forJar(baselineBuild.jar(), "_b"));
      }
      var planned = plan();
      var runsNode = results.putArray("runs");
      for (int round = 1; round <= rounds; round++) {
        for (var scenario : planned.entrySet()) {
          var order = new java.util.ArrayList<>(sides.keySet());
          if (round % 2 == 0) {
            java.util.Collections.reverse(order); // A B, B A, A B...: drift falls on both sides
          }
          for (var side : order) {
            var sideCtx = sides.get(side).into(out.resolve("r" + round + "-" + side));
            var result =
                rounds == 1 && baselineBuild == null
                    ? attempt(
                        scenarioNode, scenario.getKey(), () -> scenario.getValue().apply(sideCtx))
                    : attempt(null, scenario.getKey(), () -> scenario.getValue().apply(sideCtx));
            var entry = runsNode.addObject();
            entry.put("scenario", scenario.getKey());
            entry.put("side", side);
            entry.put("commit", side.equals("target") ? build.commit() : baselineBuild.commit());
            entry.put("round", round);
            entry.put("disturbed", Disturbance.disturbed(result));
            entry.set("result", result);
          }
        }
      }
      if (rounds > 1 || baselineBuild != null) {
        results.set("comparison", Repeats.compare(runsNode, scenarioNode));
        // Keep the results file to one copy of each figure: the runs hold them.
        for (var entry : runsNode) {
          if (entry.path("result").has("profile")) {
            ((ObjectNode) entry.get("result")).remove("profile");
          }
        }
      } else {
        results.remove("runs");
      }
    } finally {
      cluster.dropBenchDatabases();
    }
    Targets.evaluate(results);
    run.put("finished_at", Instant.now().toString());
    run.put(
        "harness_wall_s", round(Duration.between(started, Instant.now()).toMillis() / 1000.0, 1));
    results.with("machine").put("loadavg_end", Cpu.loadavg());

    Files.createDirectories(resultsDir);
    written = resultsDir.resolve(stamp + "-" + build.commit() + ".json");
    JSON.writeValue(written.toFile(), results);
    log("results: %s", written);
    if (!benchmarksMd.equals("none")) {
      Files.writeString(
          Path.of(benchmarksMd),
          Report.render(results, root.relativize(written.toAbsolutePath()).toString()));
      log("rendered %s from it", benchmarksMd);
    }
    return failed ? 1 : 0;
  }

  /** Re-renders BENCHMARKS.md from a committed results file. */
  @Command(name = "render", description = "Render BENCHMARKS.md from a results JSON.")
  static final class Render implements Callable<Integer> {
    @CommandLine.Parameters(paramLabel = "RESULTS_JSON")
    Path results;

    @Option(names = "--to", defaultValue = "BENCHMARKS.md")
    Path to;

    @Option(
        names = "--with",
        description =
            "Another results file whose scenarios this one lacks are shown too, each marked with"
                + " the file, commit and load it comes from (repeatable; e.g. the 1M and 10M runs"
                + " next to a medium run).")
    List<Path> with = List.of();

    @Override
    public Integer call() throws Exception {
      var tree = (ObjectNode) JSON.readTree(results.toFile());
      for (var other : with) {
        merge(tree, (ObjectNode) JSON.readTree(other.toFile()), other.toString());
      }
      Files.writeString(to, Report.render(tree, results.toString()));
      return 0;
    }

    /**
     * Adds {@code other}'s scenarios that {@code into} does not have, each labelled with where it
     * comes from, and judges the targets again over the union.
     */
    static void merge(ObjectNode into, ObjectNode other, String source) {
      var scenarios = into.with("scenarios");
      other
          .path("scenarios")
          .fields()
          .forEachRemaining(
              e -> {
                if (!scenarios.has(e.getKey())) {
                  var copy = (ObjectNode) e.getValue().deepCopy();
                  var from = copy.putObject("from_results");
                  from.put("file", source);
                  from.put("commit", other.path("run").path("commit").asText());
                  from.put("mode", other.path("run").path("mode").asText());
                  from.put("started_at", other.path("run").path("started_at").asText());
                  from.put("loadavg_start", other.path("machine").path("loadavg_start").asText());
                  scenarios.set(e.getKey(), copy);
                }
              });
      Targets.evaluate(into);
    }

    public static void main(String[] args) {
      System.exit(new CommandLine(new Render()).execute(args));
    }
  }

  /**
   * Runs one scenario; a failure is written into the results as that scenario's {@code error} (and
   * fails the harness's exit code) instead of losing the other scenarios' figures.
   */
  private ObjectNode attempt(ObjectNode scenarios, String name, Callable<ObjectNode> scenario) {
    ObjectNode result;
    try {
      result = scenario.call();
    } catch (Exception e) {
      log("%s FAILED: %s", name, e);
      result = JSON.createObjectNode().put("error", String.valueOf(e.getMessage()));
      failed = true;
    }
    if (scenarios != null) {
      scenarios.set(name, result);
    }
    return result;
  }

  /** The selected scenarios, by the name their results go under, in running order. */
  private Map<String, java.util.function.Function<Context, ObjectNode>> plan() {
    var planned =
        new java.util.LinkedHashMap<String, java.util.function.Function<Context, ObjectNode>>();
    int e2eN = or(e2eInvoices, mode.e2eInvoices);
    int e2eC = or(e2eConcurrency, mode.e2eConcurrency);
    int lat = or(latencyMs, mode.latencyMs);
    if (scenarios.contains("e2e")) {
      planned.put(
          "e2e_w1", c -> new ChargeRun(c, "e2e_w1", e2eN, 1, e2eC, 0, true).withRefunds().run());
    }
    if (scenarios.contains("e2e2")) {
      planned.put("e2e_w2", c -> new ChargeRun(c, "e2e_w2", e2eN, 2, e2eC, 0, true).run());
    }
    if (scenarios.contains("ceiling")) {
      planned.put("ceiling_c2", c -> new Ceiling(c, e2eN, 2, e2eC).run());
      if (mode != Mode.quick) {
        planned.put("ceiling_c4", c -> new Ceiling(c, e2eN, 4, e2eC).run());
      }
    }
    if (scenarios.contains("large")) {
      planned.put(
          "large",
          c ->
              new ChargeRun(
                      c,
                      "large",
                      or(largeInvoices, mode.largeInvoices),
                      1,
                      or(largeConcurrency, mode.largeConcurrency),
                      lat)
                  .run());
    }
    if (scenarios.contains("bigdb")) {
      planned.put(
          "big_database",
          c -> {
            try {
              return new BigDatabase(
                      c,
                      or(bigBackground, mode.bigBackground),
                      or(bigDue, mode.bigDue),
                      e2eC,
                      or(bigProbes, mode.probes),
                      bigKeep)
                  .run();
            } catch (Exception e) {
              throw new IllegalStateException(e.getMessage(), e);
            }
          });
    }
    if (scenarios.contains("clients")) {
      int calls = or(clientCalls, mode == Mode.quick ? 2_000 : 20_000);
      planned.put(
          "clients",
          c -> {
            try {
              return new ClientCost(c, calls, e2eC).run();
            } catch (Exception e) {
              throw new IllegalStateException(e.getMessage(), e);
            }
          });
    }
    return planned;
  }

  private boolean failed;

  static int or(Integer value, int fallback) {
    return value == null ? fallback : value;
  }

  static double round(double value, int places) {
    double f = Math.pow(10, places);
    return Math.round(value * f) / f;
  }

  static void log(String format, Object... args) {
    System.err.printf(
        "[%s] %s%n", Instant.now().toString().substring(11, 19), format.formatted(args));
  }
}
