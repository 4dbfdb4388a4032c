package dev.charon.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A measurement window: CPU seconds of named processes, of the PostgreSQL cluster (the scenario
 * database's backends and everything else), and of the machine, between {@link #open} and {@link
 * #close}.
 */
final class Window {
  private final Map<String, List<Long>> groups;
  private final long postmaster;
  private final String database;
  private final Map<String, Double> start = new LinkedHashMap<>();
  private final Map<String, Double> used = new LinkedHashMap<>();
  private double machineStart;
  private double stealStart;
  double steal;
  private long nanoStart;
  private String loadStart;
  double wallSeconds;
  Instant openedAt;
  Instant closedAt;
  double machineBusy;
  String loadEnd;

  Window(Map<String, List<Long>> groups, long postmaster, String database) {
    this.groups = groups;
    this.postmaster = postmaster;
    this.database = database;
  }

  Window open() {
    start.putAll(sample());
    openedAt = Instant.now();
    machineStart = Cpu.machineBusy();
    stealStart = Cpu.steal();
    nanoStart = System.nanoTime();
    loadStart = Cpu.loadavg();
    return this;
  }

  Window close() {
    var end = sample();
    closedAt = Instant.now();
    end.forEach((k, v) -> used.put(k, v - start.getOrDefault(k, 0.0)));
    machineBusy = Cpu.machineBusy() - machineStart;
    steal = Cpu.steal() - stealStart;
    wallSeconds = (System.nanoTime() - nanoStart) / 1e9;
    loadEnd = Cpu.loadavg();
    return this;
  }

  /** The process groups this window measures, for a second window over part of it. */
  Map<String, List<Long>> groupsForSteady() {
    return groups;
  }

  /** Adds CPU seconds measured outside the window's samples (a one-shot process). */
  void add(String group, double seconds) {
    used.merge(group, seconds, Double::sum);
  }

  double seconds(String group) {
    return used.getOrDefault(group, 0.0);
  }

  private Map<String, Double> sample() {
    var out = new LinkedHashMap<String, Double>();
    groups.forEach((name, pids) -> out.put(name, pids.stream().mapToDouble(Cpu::process).sum()));
    var pg = Cpu.cluster(postmaster, database);
    out.put("postgres_backends", pg.get("backends"));
    out.put("postgres_other", pg.get("other"));
    return out;
  }

  /**
   * Writes cpu_s, cpu_ms_per_invoice and the machine's share. "charon" is the "Charon's own
   * cost": workers, producer/server and every PostgreSQL process, without the gateway.
   */
  void write(ObjectNode node, long invoices, List<String> charonGroups) {
    var cpu = node.putObject("cpu_s");
    var perInvoice = node.putObject("cpu_ms_per_invoice");
    double charon = 0;
    for (var entry : used.entrySet()) {
      cpu.put(entry.getKey(), Bench.round(entry.getValue(), 2));
      perInvoice.put(entry.getKey(), perInvoice(entry.getValue(), invoices));
      if (charonGroups.contains(entry.getKey()) || entry.getKey().startsWith("postgres")) {
        charon += entry.getValue();
      }
    }
    double all = used.values().stream().mapToDouble(Double::doubleValue).sum();
    perInvoice.put("charon", perInvoice(charon, invoices));
    perInvoice.put("all_measured", perInvoice(all, invoices));
    node.put("charon_invoices_per_s_per_core", charon > 0 ? Bench.round(invoices / charon, 0) : 0);
    var machine = node.putObject("machine");
    machine.put("window_s", Bench.round(wallSeconds, 2));
    machine.put("busy_cpu_s", Bench.round(machineBusy, 2));
    machine.put(
        "available_cpu_s",
        Bench.round(wallSeconds * Runtime.getRuntime().availableProcessors(), 2));
    machine.put("measured_processes_cpu_s", Bench.round(all, 2));
    machine.put("loadavg_start", loadStart);
    machine.put("loadavg_end", loadEnd);
    Disturbance.judge(
        machine, wallSeconds * Runtime.getRuntime().availableProcessors(), machineBusy, steal, all);
  }

  private static double perInvoice(double seconds, long invoices) {
    return invoices == 0 ? 0 : Bench.round(seconds * 1000 / invoices, 3);
  }
}
