package dev.charon.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU per thread of one process from {@code /proc/<pid>/task}: user and system seconds by thread
 * name (the JVM names its native threads after the Java ones, 15 characters at most; digits are
 * folded to {@code #} so that pools count as one). This is where a JVM's CPU goes that its Java
 * stacks do not show: the JIT compiler threads, the GC threads, and the kernel time of syscalls.
 * Threads that exit inside the window are not seen (their time is only in the process's total).
 */
final class Threads {
  /** user and system seconds by thread id, with the thread's name. */
  record Sample(Map<Long, String> names, Map<Long, double[]> times) {}

  private Threads() {}

  static Sample sample(long pid) {
    var names = new HashMap<Long, String>();
    var times = new HashMap<Long, double[]>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (var task : tasks.toList()) {
        try {
          var stat = Files.readString(task.resolve("stat"));
          var name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          var fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          long tid = Long.parseLong(task.getFileName().toString());
          names.put(tid, name);
          times.put(
              tid,
              new double[] {
                Long.parseLong(fields[11]) / Cpu.HZ, Long.parseLong(fields[12]) / Cpu.HZ
              });
        } catch (IOException | RuntimeException e) {
          // the thread ended between the listing and the read
        }
      }
    } catch (IOException e) {
      // the process is gone
    }
    return new Sample(names, times);
  }

  /**
   * The CPU used between two samples, by folded thread name: {@code {name: {user_s, system_s}}}.
   */
  static ObjectNode used(Sample before, Sample after) {
    var groups = new TreeMap<String, double[]>();
    after
        .times()
        .forEach(
            (tid, t) -> {
              var b = before.times().getOrDefault(tid, new double[2]);
              var name = fold(after.names().get(tid));
              var g = groups.computeIfAbsent(name, n -> new double[2]);
              g[0] += t[0] - b[0];
              g[1] += t[1] - b[1];
            });
    var node = Bench.JSON.createObjectNode();
    double user = 0, system = 0;
    var sorted =
        groups.entrySet().stream()
            .sorted(
                (x, y) ->
                    Double.compare(
                        y.getValue()[0] + y.getValue()[1], x.getValue()[0] + x.getValue()[1]))
            .toList();
    var list = node.putArray("by_thread");
    for (var e : sorted) {
      user += e.getValue()[0];
      system += e.getValue()[1];
      if (e.getValue()[0] + e.getValue()[1] >= 0.005) {
        list.addObject()
            .put("thread", e.getKey())
            .put("user_s", Bench.round(e.getValue()[0], 2))
            .put("system_s", Bench.round(e.getValue()[1], 2));
      }
    }
    node.put("user_s", Bench.round(user, 2));
    node.put("system_s", Bench.round(system, 2));
    return node;
  }

  /** Digits folded to {@code #}: {@code GC Thread#1} and {@code GC Thread#0} are one group. */
  static String fold(String name) {
    return name == null ? "?" : name.replaceAll("\\d+", "#");
  }
}
