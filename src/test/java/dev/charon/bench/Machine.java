package dev.charon.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about the machine a run was taken on, load first: figures from a busy box are floors. */
final class Machine {
  private Machine() {}

  static void describe(ObjectNode node) {
    node.put("nproc", Runtime.getRuntime().availableProcessors());
    node.put("cpu_model", firstMatch("/proc/cpuinfo", "model name"));
    node.put(
        "memory_gib",
        Math.round(
            Double.parseDouble(firstMatch("/proc/meminfo", "MemTotal").replace("kB", "").trim())
                / 1048576.0));
    node.put("kernel", System.getProperty("os.version"));
    node.put(
        "jdk",
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    node.put("loadavg_start", Cpu.loadavg());
    node.put(
        "other_java_processes_start",
        ProcessHandle.allProcesses()
            .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false))
            .filter(p -> p.pid() != ProcessHandle.current().pid())
            .count());
  }

  private static String firstMatch(String file, String key) {
    try {
      for (var line : Files.readAllLines(Path.of(file))) {
        if (line.startsWith(key)) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // reported as unknown
    }
    return "0";
  }
}
