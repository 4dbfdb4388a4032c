package dev.charon.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The processes a benchmark starts: long-running ones it stops itself, one-shot ones it waits for.
 */
final class Procs implements AutoCloseable {
  /** A started process with its log file. */
  record Proc(String name, Process process, Path log) {
    long pid() {
      return process.pid();
    }

    boolean logContains(String text) {
      try {
        return Files.exists(log) && Files.readString(log).contains(text);
      } catch (IOException e) {
        return false;
      }
    }
  }

  /** A finished one-shot process: exit code and the CPU seconds it and its children used. */
  record Done(int exit, double cpuSeconds, double wallSeconds, Path log) {
    String lastLine() {
      try {
        var lines = Files.readAllLines(log);
        int end = lines.lastIndexOf("__cpu");
        for (int i = (end < 0 ? lines.size() : end) - 1; i >= 0; i--) {
          if (!lines.get(i).isBlank()) {
            return lines.get(i).strip();
          }
        }
        return "";
      } catch (IOException e) {
        return "";
      }
    }
  }

  private final Path logs;
  private final Map<String, String> env;
  private final List<Proc> running = new ArrayList<>();

  Procs(Path logs, Map<String, String> env) {
    this.logs = logs;
    this.env = env;
  }

  Proc start(String name, Map<String, String> extraEnv, List<String> command) {
    var log = logs.resolve(name + ".log");
    var builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(env);
    builder.environment().putAll(extraEnv);
    try {
      var proc = new Proc(name, builder.start(), log);
      running.add(proc);
      return proc;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
  }

  /**
   * Runs a command to its end through bash, whose {@code times} builtin then reports the CPU time
   * of its children: the only way to read a process's CPU after it exited without being its
   * parent's reaper.
   */
  Done run(String name, Map<String, String> extraEnv, List<String> command, Duration timeout) {
    return run(name, extraEnv, command, timeout, null, null);
  }

  /**
   * As {@link #run(String, Map, List, Duration)}, and gives up when {@code progress} has not moved
   * for {@code stall}: a stuck run must fail the scenario, not eat the harness's time.
   */
  Done run(
      String name,
      Map<String, String> extraEnv,
      List<String> command,
      Duration timeout,
      java.util.function.LongSupplier progress,
      Duration stall) {
    var script =
        new ArrayList<String>(
            List.of("bash", "-c", "\"$@\"; rc=$?; echo __cpu; times; exit $rc", "bash"));
    script.addAll(command);
    long t0 = System.nanoTime();
    var proc = start(name, extraEnv, script);
    try {
      long deadline = t0 + timeout.toNanos();
      long last = Long.MIN_VALUE;
      long movedAt = System.nanoTime();
      while (!proc.process().waitFor(1, TimeUnit.SECONDS)) {
        String why = null;
        if (System.nanoTime() > deadline) {
          why = "did not finish within " + timeout.toSeconds() + " s";
        } else if (progress != null) {
          long now = progress.getAsLong();
          if (now != last) {
            last = now;
            movedAt = System.nanoTime();
          } else if (System.nanoTime() - movedAt > stall.toNanos()) {
            why = "made no progress for " + stall.toSeconds() + " s (stuck at " + now + ")";
          }
        }
        if (why != null) {
          proc.process().descendants().forEach(ProcessHandle::destroyForcibly);
          proc.process().destroyForcibly();
          running.remove(proc);
          throw new IllegalStateException(name + " " + why + " (log: " + proc.log() + ")");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    running.remove(proc);
    double wall = (System.nanoTime() - t0) / 1e9;
    return new Done(proc.process().exitValue(), childCpu(proc.log()), wall, proc.log());
  }

  private static double childCpu(Path log) {
    try {
      // bash's `times`: its own user and system time, then its children's.
      var lines = Files.readAllLines(log);
      int marker = lines.lastIndexOf("__cpu");
      if (marker >= 0 && marker + 2 < lines.size()) {
        var parts = lines.get(marker + 2).trim().split("\\s+");
        return bashTime(parts[0]) + bashTime(parts[1]);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalStateException("no CPU times in " + log);
  }

  private static double bashTime(String value) { // 1m2.345s
    int m = value.indexOf('m');
    return Integer.parseInt(value.substring(0, m)) * 60
        + Double.parseDouble(value.substring(m + 1, value.length() - 1));
  }

  static void await(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "timed out after " + timeout.toSeconds() + " s waiting for " + what);
      }
      sleep(200);
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** SIGTERM, then SIGKILL after 20 s. */
  void stop(Proc proc) {
    running.remove(proc);
    proc.process().destroy();
    try {
      if (!proc.process().waitFor(20, TimeUnit.SECONDS)) {
        proc.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    for (var proc : List.copyOf(running)) {
      stop(proc);
    }
  }
}
