package dev.charon.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a JVM's CPU went, from a JFR recording ({@code settings=profile}) of it: the {@code
 * jdk.ExecutionSample} stacks of a window, counted by the method on top (self samples), by the
 * Charon methods on the stack (inclusive), by thread, and by {@link #BUCKETS bucket}: the library
 * whose code the sample was in. Where the JDK has it (25 on Linux), the same for {@code
 * jdk.CPUTimeSample}: samples taken per 10 ms of a thread's CPU time, native code and system calls
 * included, where the execution samples see only threads running Java code. JIT compilation and GC
 * are not Java stacks and are summed from their own events ({@code jdk.Compilation}, {@code
 * jdk.GarbageCollection}); {@code jdk.CPULoad} gives the process's CPU as JFR saw it.
 */
final class JfrSummary {
  /**
   * A library a sample is charged to, by the package of a frame. A weak bucket (Jetty's shared
   * io/util code) yields to a deeper frame of its own family (Jetty's client or server), so that
   * the selector and buffer code is charged to the side that runs it.
   */
  record Bucket(String name, String family, List<String> prefixes, boolean weak) {
    boolean matches(String className) {
      for (var p : prefixes) {
        if (className.startsWith(p)) {
          return true;
        }
      }
      return false;
    }
  }

  /** The first that matches a frame's class wins; JDK frames match none (see {@link #JDK}). */
  static final List<Bucket> BUCKETS =
      List.of(
          new Bucket("HTTP client (Jetty)", "jetty", List.of("org.eclipse.jetty.client"), false),
          new Bucket(
              "HTTP server (Jetty, Javalin)",
              "jetty",
              List.of(
                  "org.eclipse.jetty.server",
                  "org.eclipse.jetty.ee",
                  "org.eclipse.jetty.servlet",
                  "org.eclipse.jetty.http2.server",
                  "io.javalin",
                  "jakarta.servlet"),
              false),
          new Bucket("Jetty io/util", "jetty", List.of("org.eclipse.jetty"), true),
          new Bucket(
              "HTTP client (JDK)",
              "jdk-http",
              List.of("jdk.internal.net.http", "java.net.http"),
              false),
          new Bucket("JDBC (pgjdbc)", "pgjdbc", List.of("org.postgresql"), false),
          new Bucket("Connection pool (HikariCP)", "hikari", List.of("com.zaxxer.hikari"), false),
          new Bucket("JDBI", "jdbi", List.of("org.jdbi"), false),
          new Bucket("Jackson", "jackson", List.of("com.fasterxml.jackson"), false),
          new Bucket("Logging", "logging", List.of("ch.qos.logback", "org.slf4j"), false),
          new Bucket("Micrometer", "micrometer", List.of("io.micrometer"), false),
          new Bucket("Netty", "netty", List.of("io.netty", "reactor."), false),
          new Bucket("Charon", "charon", List.of("dev.charon"), false));

  /** Packages of the JDK: a sample in them is charged to the first library below them. */
  static final List<String> JDK = List.of("java.", "javax.", "jdk.", "sun.", "com.sun.");

  static final String JDK_ONLY = "JDK only (no library frame)";
  static final String OTHER = "other libraries";

  /** Rows of each list in the results. */
  static final int TOP_FRAMES = 15;

  static final int TOP_CHARON = 12;
  static final int TOP_THREADS = 8;

  private JfrSummary() {}

  /**
   * The bucket of one sample, from its frames' class names, top (the running method) first: the
   * first frame of a library decides, unless it is a weak bucket and a deeper frame of the same
   * family is found before a frame of another library.
   */
  static String bucket(List<String> classesTopDown) {
    Bucket weak = null;
    for (var className : classesTopDown) {
      var b = classify(className);
      if (b == null) {
        continue;
      }
      if (b.weak()) {
        if (weak == null) {
          weak = b;
        }
        continue;
      }
      if (weak != null && !weak.family().equals(b.family())) {
        return weak.name();
      }
      return b.name();
    }
    return weak != null ? weak.name() : JDK_ONLY;
  }

  /** The bucket of a class, {@code null} for the JDK's own. */
  private static Bucket classify(String className) {
    for (var b : BUCKETS) {
      if (b.matches(className)) {
        return b;
      }
    }
    for (var p : JDK) {
      if (className.startsWith(p)) {
        return null;
      }
    }
    return new Bucket(OTHER, className, List.of(), false);
  }

  /**
   * Summarises the recording's {@code jdk.ExecutionSample} events that started in {@code [from,
   * to]} (the scenario's window: the JVM's start and the audit after it are left out).
   */
  static ObjectNode summarise(Path jfr, Instant from, Instant to) throws IOException {
    var samples = new Counts();
    var cpuTime = new Counts();
    double gcPauseMs = 0, jitMs = 0;
    int gcs = 0, compilations = 0, cpuLoads = 0;
    double jvmUser = 0, jvmSystem = 0, machine = 0;
    try (var file = new RecordingFile(jfr)) {
      while (file.hasMoreEvents()) {
        var e = file.readEvent();
        if (e.getStartTime().isBefore(from) || e.getStartTime().isAfter(to)) {
          continue;
        }
        switch (e.getEventType().getName()) {
          case "jdk.ExecutionSample" -> samples.add(e);
          case "jdk.CPUTimeSample" -> cpuTime.add(e);
          case "jdk.GarbageCollection" -> {
            gcs++;
            gcPauseMs += e.getDuration("sumOfPauses").toNanos() / 1e6;
          }
          case "jdk.Compilation" -> {
            compilations++;
            jitMs += e.getDuration().toNanos() / 1e6;
          }
          case "jdk.CPULoad" -> {
            cpuLoads++;
            jvmUser += e.getFloat("jvmUser");
            jvmSystem += e.getFloat("jvmSystem");
            machine += e.getFloat("machineTotal");
          }
          default -> {}
        }
      }
    }
    var node = Bench.JSON.createObjectNode();
    node.put("event", "jdk.ExecutionSample");
    samples.write(node);
    if (cpuTime.total > 0) {
      cpuTime.write(node.putObject("cpu_time_samples"));
    }
    node.put("gc_collections", gcs);
    node.put("gc_pause_ms", Bench.round(gcPauseMs, 1));
    node.put("jit_compilations", compilations);
    node.put("jit_compilation_ms", Bench.round(jitMs, 1));
    if (cpuLoads > 0) {
      var load = node.putObject("cpu_load_mean");
      load.put("jvm_user", Bench.round(jvmUser / cpuLoads, 3));
      load.put("jvm_system", Bench.round(jvmSystem / cpuLoads, 3));
      load.put("machine", Bench.round(machine / cpuLoads, 3));
    }
    return node;
  }

  /** Sample counts of one event type. */
  private static final class Counts {
    long total, truncated;
    final Map<String, Long> buckets = new HashMap<>();
    final Map<String, Long> self = new HashMap<>();
    final Map<String, Long> charon = new HashMap<>();
    final Map<String, Long> threads = new HashMap<>();

    void add(RecordedEvent e) {
      var stack = e.getStackTrace();
      if (stack == null) {
        return;
      }
      total++;
      if (stack.isTruncated()) {
        truncated++;
      }
      var frames = stack.getFrames();
      var classes = new ArrayList<String>(frames.size());
      var seen = new HashSet<String>();
      for (var f : frames) {
        var type = f.getMethod().getType().getName();
        classes.add(type);
        if (type.startsWith("dev.charon.")) {
          var m = method(f);
          if (seen.add(m)) {
            charon.merge(m, 1L, Long::sum);
          }
        }
      }
      buckets.merge(bucket(classes), 1L, Long::sum);
      if (!frames.isEmpty()) {
        self.merge(method(frames.get(0)), 1L, Long::sum);
      }
      var thread = e.getThread(e.hasField("sampledThread") ? "sampledThread" : "eventThread");
      var name = thread == null ? "?" : String.valueOf(thread.getJavaName());
      threads.merge(name.replaceAll("\\d+", "#"), 1L, Long::sum);
    }

    void write(ObjectNode node) {
      node.put("samples", total);
      node.put("truncated_stacks", truncated);
      top(node.putArray("buckets"), buckets, Integer.MAX_VALUE, "bucket");
      top(node.putArray("top_frames"), self, TOP_FRAMES, "frame");
      top(node.putArray("charon_inclusive"), charon, TOP_CHARON, "frame");
      top(node.putArray("threads"), threads, TOP_THREADS, "thread");
    }

    private void top(ArrayNode out, Map<String, Long> counts, int n, String key) {
      counts.entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .limit(n)
          .forEach(
              c ->
                  out.addObject()
                      .put(key, c.getKey())
                      .put("samples", c.getValue())
                      .put("share", total > 0 ? Bench.round((double) c.getValue() / total, 3) : 0));
    }
  }

  /** {@code package.Class.method}, a lambda's generated class name cut at its {@code $$}. */
  private static String method(RecordedFrame f) {
    var type = f.getMethod().getType().getName();
    int lambda = type.indexOf("$$");
    if (lambda > 0) {
      type = type.substring(0, lambda) + "$$Lambda";
    }
    return type + "." + f.getMethod().getName();
  }
}
