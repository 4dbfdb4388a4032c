package dev.charon.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time from /proc: per process (utime + stime), per PostgreSQL cluster (the postmaster and
 * every process it started, alive or already reaped), and for the whole machine. CPU time is far
 * less sensitive than wall time to other work on a shared machine, which is why it is the headline.
 */
final class Cpu {
  static final double HZ = ticksPerSecond();

  private Cpu() {}

  /** utime, stime, cutime, cstime in seconds, or zeros when the process is gone. */
  static double[] times(long pid) {
    try {
      var stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      var fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // fields[0] is field 3 (state): utime is field 14.
      return new double[] {
        Long.parseLong(fields[11]) / HZ, Long.parseLong(fields[12]) / HZ,
        Long.parseLong(fields[13]) / HZ, Long.parseLong(fields[14]) / HZ
      };
    } catch (IOException | RuntimeException e) {
      return new double[4];
    }
  }

  static double process(long pid) {
    var t = times(pid);
    return t[0] + t[1];
  }

  /** A process and all its descendants that are alive, plus what reaped children used. */
  static double tree(long pid) {
    var t = times(pid);
    double sum = t[0] + t[1] + t[2] + t[3];
    var handle = ProcessHandle.of(pid);
    if (handle.isPresent()) {
      for (var child : handle.get().descendants().toList()) {
        var c = times(child.pid());
        sum += c[0] + c[1] + c[2] + c[3];
      }
    }
    return sum;
  }

  /**
   * The PostgreSQL cluster's CPU, split into client backends of the named database and the rest
   * (autovacuum, checkpointer, WAL writer, other databases' backends, and every process that
   * exited, whose time the postmaster has collected).
   */
  static Map<String, Double> cluster(long postmaster, String database) {
    var t = times(postmaster);
    double rest = t[0] + t[1] + t[2] + t[3];
    double backends = 0;
    var handle = ProcessHandle.of(postmaster);
    if (handle.isPresent()) {
      for (var child : handle.get().children().toList()) {
        var c = times(child.pid());
        double used = c[0] + c[1] + c[2] + c[3];
        if (database != null && cmdline(child.pid()).contains(" " + database + " ")) {
          backends += used;
        } else {
          rest += used;
        }
      }
    }
    var out = new TreeMap<String, Double>();
    out.put("backends", backends);
    out.put("other", rest);
    return out;
  }

  /** Busy CPU seconds of the whole machine (user, nice, system, irq, softirq, steal). */
  static double machineBusy() {
    try {
      var cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long busy =
          Long.parseLong(cpu[1])
              + Long.parseLong(cpu[2])
              + Long.parseLong(cpu[3])
              + Long.parseLong(cpu[6])
              + Long.parseLong(cpu[7])
              + Long.parseLong(cpu[8]);
      return busy / HZ;
    } catch (IOException e) {
      return 0;
    }
  }

  /**
   * CPU seconds the hypervisor gave to other guests while this machine wanted them (/proc/stat's
   * steal column, summed over the cores): invisible to every process's own times.
   */
  static double steal() {
    try {
      var cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      return cpu.length > 8 ? Long.parseLong(cpu[8]) / HZ : 0;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  static String loadavg() {
    try {
      var parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String cmdline(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"))).replace('\0', ' ')
          + " ";
    } catch (IOException e) {
      return "";
    }
  }

  private static double ticksPerSecond() {
    try {
      var p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      var out = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor();
      return Double.parseDouble(out);
    } catch (IOException | RuntimeException e) {
      return 100;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
    }
  }
}
