package dev.charon.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Where a JVM's CPU went in a window, by thread, from /proc/&lt;pid&gt;/task: the JIT compilers,
 * the garbage collector, the VM's own threads, and the application's threads (virtual-thread
 * carriers, the HTTP client's and server's selectors, the worker's named threads). A short run's
 * cost per invoice includes the JIT compiling the hot path; this says how much.
 *
 * <p>A thread that exits inside the window takes its time with it (HotSpot stops idle compiler
 * threads): the process total minus the threads still alive at the end is written as {@code
 * exited_s}, so the parts always add up to the process's CPU.
 */
final class Threads {
  /** The JVM's own threads by the name the kernel keeps (15 characters at most). */
  static String category(String comm) {
    if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
      return "jit";
    }
    if (comm.startsWith("GC Thread")
        || comm.startsWith("G1 ")
        || comm.startsWith("GC ")
        || comm.startsWith("ZGC")) {
      return "gc";
    }
    if (comm.startsWith("VM ")) {
      return "vm";
    }
    return "application";
  }

  /** A thread's name without its number, so that a pool's threads add up under one name. */
  static String pool(String comm) {
    return comm.replaceAll("[-#@ ]?[0-9a-f]*[0-9][0-9a-f]*$", "");
  }

  /** CPU seconds and name per thread id of one process; empty when the process is gone. */
  static Map<Long, Sample> sample(long pid) {
    var out = new HashMap<Long, Sample>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (var task : tasks.toList()) {
        try {
          var stat = Files.readString(task.resolve("stat"));
          var comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          var fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          double cpu = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / Cpu.HZ;
          out.put(Long.parseLong(task.getFileName().toString()), new Sample(comm, cpu));
        } catch (IOException | RuntimeException e) {
          // the thread ended between the listing and the read
        }
      }
    } catch (IOException e) {
      return Map.of();
    }
    return out;
  }

  record Sample(String comm, double cpu) {}

  /** Samples of every process of each group, taken at a window's start and end. */
  static Map<String, Map<Long, Map<Long, Sample>>> sampleGroups(Map<String, List<Long>> groups) {
    var out = new LinkedHashMap<String, Map<Long, Map<Long, Sample>>>();
    groups.forEach(
        (group, pids) -> {
          var perPid = new LinkedHashMap<Long, Map<Long, Sample>>();
          pids.forEach(pid -> perPid.put(pid, sample(pid)));
          out.put(group, perPid);
        });
    return out;
  }

  /**
   * Writes, per group, CPU seconds by category and the busiest thread pools, from the samples at
   * the window's start and end and the group's CPU over the window (from {@link Cpu#process}).
   */
  static void write(
      ObjectNode node,
      Map<String, Map<Long, Map<Long, Sample>>> start,
      Map<String, Map<Long, Map<Long, Sample>>> end,
      Map<String, Double> groupCpu) {
    var out = node.putObject("jvm_threads");
    for (var group : end.keySet()) {
      var categories = new TreeMap<String, Double>();
      var pools = new HashMap<String, Double>();
      double alive = 0;
      for (var pid : end.get(group).entrySet()) {
        var before = start.getOrDefault(group, Map.of()).getOrDefault(pid.getKey(), Map.of());
        for (var thread : pid.getValue().entrySet()) {
          var was = before.get(thread.getKey());
          double used = thread.getValue().cpu() - (was == null ? 0 : was.cpu());
          alive += used;
          var comm = thread.getValue().comm();
          categories.merge(category(comm), used, Double::sum);
          pools.merge(pool(comm), used, Double::sum);
        }
      }
      var g = out.putObject(group);
      double total = groupCpu.getOrDefault(group, alive);
      g.put("cpu_s", Bench.round(total, 2));
      categories.forEach((k, v) -> g.put(k + "_s", Bench.round(v, 2)));
      g.put("exited_s", Bench.round(Math.max(0, total - alive), 2));
      var top = g.putArray("top_threads");
      pools.entrySet().stream()
          .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
          .limit(8)
          .forEach(
              e ->
                  top.addObject()
                      .put("thread", e.getKey())
                      .put("cpu_s", Bench.round(e.getValue(), 2)));
    }
  }

  private Threads() {}
}
