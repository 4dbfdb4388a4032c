#!/usr/bin/env bash
# Writes BENCHMARKS.md and docs/img/worker-scaling.png from one harness run's directory
# (bench/out/run-<stamp>: results.tsv, commands-*.txt, logs). Called by bench/run.sh at the end;
# can be re-run by hand:  bench/report.sh bench/out/latest
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
RUN="$(cd "${1:-$BENCH/out/latest}" && pwd -P)"
OUT="$BENCH/out"
MD="$ROOT/BENCHMARKS.md"
source "$ROOT/scripts/find-jdk.sh"
JAVA="$(find_jdk)/bin/java"

v() { # v KEY [DEFAULT]: last value recorded for KEY
  local x
  x=$(awk -F'\t' -v k="$1" '$1 == k { val = $2 } END { print val }' "$RUN/results.tsv")
  if [ -z "$x" ]; then echo "${2:-n/a}"; else echo "$x"; fi
}
has() { [ -n "$(awk -F'\t' -v k="$1" '$1 == k { print 1 }' "$RUN/results.tsv")" ]; }
num() { [[ "$1" =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; }
n0() { # 12345.6 -> 12,346
  num "$1" || { echo "$1"; return; }
  awk -v x="$1" 'BEGIN { s = sprintf("%.0f", x); n = length(s); o = "";
    for (i = 1; i <= n; i++) { o = o substr(s, i, 1); if ((n - i) % 3 == 0 && i < n && substr(s, i, 1) != "-") o = o "," }
    print o }'
}
r2() { num "$1" && awk -v x="$1" 'BEGIN { printf "%.2f", x }' || echo "$1"; }
r1() { num "$1" && awk -v x="$1" 'BEGIN { printf "%.1f", x }' || echo "$1"; }
ratio() { num "$1" && num "$2" && awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }' || echo "n/a"; }
mul() { num "$1" && num "$2" && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", a * b }' || echo "n/a"; }
secs() { num "$1" && awk -v ms="$1" 'BEGIN { s = ms / 1000; printf "%d:%04.1f", int(s / 60), s - 60 * int(s / 60) }' || echo "$1"; }
ge() { num "$1" && num "$2" && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
le() { num "$1" && num "$2" && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
met() { if "$@"; then echo "yes"; else echo "**no**"; fi }
auditcell() { local rc; rc=$(v "$1.audit"); if [ "$rc" = 0 ]; then echo "0 (reconciles)"; elif [ "$rc" = n/a ]; then echo "n/a"; else echo "**$rc** (differences)"; fi; }
cmds() { # cmds N: the exact commands of scenario N
  local f="$RUN/commands-$1.txt"
  [ -f "$f" ] || return 0
  echo
  echo "<details><summary>exact commands (scenario $1)</summary>"
  echo
  echo '```sh'
  cat "$f"
  echo '```'
  echo "</details>"
}
cpu_row() { # cpu_row KEY LABEL INVOICES NAME...
  local k="$1" label="$2" inv="$3"; shift 3
  local wall machine cells="" name ours=0
  wall=$(v "$k.cpu.wall"); machine=$(v "$k.cpu.machine")
  for name in "$@"; do
    local c; c=$(v "$k.cpu.$name" 0)
    cells="$cells $(r1 "$c") |"
    ours=$(awk -v a="$ours" -v b="$c" 'BEGIN { print a + b }')
  done
  local nproc; nproc=$(v machine.nproc 2)
  echo "| $label | $(r1 "$wall") |$cells $(r1 "$ours") | $(r1 "$machine") / $(r1 "$(mul "$wall" "$nproc")") | $(r2 "$(awk -v m="$machine" -v o="$ours" 'BEGIN { print m - o }')") |"
}

# ---- derived figures
NPROC=$(v machine.nproc)
E1=$(v e2e.w1.rate); E2=$(v e2e.w2.rate)
PG2=$(v pgbench.c2.rate); PG4=$(v pgbench.c4.rate)
CEIL=$(awk -v a="$PG2" -v b="$PG4" 'BEGIN { a += 0; b += 0; print (a > b ? a : b) }')
EBEST=$(awk -v a="$E1" -v b="$E2" 'BEGIN { a += 0; b += 0; print (a > b ? a : b) }')
LARGE_N=$(v large.charged); LARGE_RATE=$(v large.rate); LARGE_WALL=$(v large.wall_ms)
MEASURED_1M=$(awk -v n="${LARGE_N:-0}" 'BEGIN { print (n + 0 >= 1000000) ? 1 : 0 }')
EXTRAP_MS=$(num "$LARGE_RATE" && awk -v r="$LARGE_RATE" 'BEGIN { if (r > 0) printf "%.0f", 1000000 / r * 1000; else print "n/a" }' || echo n/a)
SIZES=$(v sizes)
size_of() { sed -n "s/.*$1=[0-9]*\/c\([0-9]*\).*/\1/p" <<<"$SIZES"; }
E2E_C=$(size_of e2e); L_C=$(size_of large); S_C=$(size_of scale); I4_C=$(size_of issue4)
LAT=$(sed -n 's/.*latency=\([0-9]*\)ms.*/\1/p' <<<"$SIZES")
scale_rate() { v "scale.$1.w$2.rate"; }
lin() { ratio "$(scale_rate "$1" "$2")" "$(mul "$(scale_rate "$1" 1)" "$2")"; }

# ---- the chart
: >"$RUN/scaling.tsv"
for tr in postgres rabbitmq; do
  for n in 1 2 4; do
    r=$(scale_rate "$tr" "$n")
    num "$r" && echo "$tr $n $r" >>"$RUN/scaling.tsv"
  done
done
if [ -s "$RUN/scaling.tsv" ]; then
  "$JAVA" "$BENCH/Chart.java" "$RUN/scaling.tsv" "$ROOT/docs/img/worker-scaling.png" \
    "Charon worker scaling at ${LAT:-100} ms gateway latency" \
    "$(v machine.nproc) cores shared with other work; one bench/run.sh run, $(v machine.date); (ratio) = measured / linear"
fi

cold_list() { awk -F'\t' '$1 ~ /^coldstart\./ && $1 != "coldstart.load" { print $2 }' "$RUN/results.tsv" | sort -n; }
COLD_N=$(cold_list | wc -l)
COLD_MIN=$(cold_list | head -1); COLD_MAX=$(cold_list | tail -1)
COLD_MED=$(cold_list | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }')

{
cat <<EOF
# Charon benchmarks

Measured by one run of \`bench/run.sh\` on $(v machine.date) (harness wall time $(secs "$(( $(v harness.seconds 0) * 1000 ))")).
Every figure below comes from that run; ratios are between figures of the same run. Re-run with
\`bench/run.sh\` (sizes are flags, see \`bench/run.sh --help\`); it rewrites this file and
\`docs/img/worker-scaling.png\`. Raw results, logs and the command logs are in
\`bench/out/$(basename "$RUN")/\`.

> **This machine is small and shared.** $NPROC cores, which other engineers' builds and test
> suites may use at the same time (the CPU table below shows who used them in each window): load
> average $(v machine.load_start) at the start, $(v machine.load_end) at the end (the harness's own
> scenario 7 runs five JVMs), $(v machine.other_java) other \`java\` processes at the start.
> The CPU table below shows how much of the machine Charon actually got. Read every rate as a
> floor for this box, not as Charon's number on a real server. Sizes were cut to keep the
> whole harness under ~25 minutes: $SIZES.
> All Charon processes ran with \`CHARON_LOG_LEVEL=WARN\` (no per-charge INFO lines); workers and
> servers with the heap bound \`./charon\` gives them (\`-Xmx256m\`) plus \`-Xlog:gc:file=...\`, and
> in scenario 5 with its class-data sharing options; the gateway, \`bill\` and \`audit\` with JVM
> defaults.

## Machine

| fact | value |
| --- | --- |
| date | $(v machine.date) |
| \`nproc\` | $NPROC ($(v machine.cpu)) |
| memory | $(v machine.mem) |
| kernel | $(v machine.kernel) |
| PostgreSQL | $(v machine.postgres) ($(v machine.pg_settings)); pg_stat_statements: $(v machine.pgss) |
| RabbitMQ | $(v machine.rabbitmq) |
| JDK | $(v machine.jdk) |
| Charon | commit $(v machine.git), jar sha256 $(v machine.jar) |
| load average (1/5/15 min) | start $(v machine.load_start), end $(v machine.load_end) |

## Summary: targets and what this run measured

| # | figure | target | measured | ratio | target met | audit exit |
| --- | --- | --- | --- | --- | --- | --- |
| 1 | end-to-end, zero latency, postgres, 1 worker | >= 10,000/s | $(n0 "$E1") invoices/s | $(ratio "$E1" "$CEIL") of ceiling | $(met ge "$E1" 10000) / $(met ge "$(ratio "$E1" "$CEIL")" 0.5) | $(auditcell e2e.w1) |
| 1 | end-to-end, zero latency, postgres, 2 workers | >= 10,000/s, >= 0.5 of ceiling | $(n0 "$E2") invoices/s | $(ratio "$E2" "$CEIL") of ceiling | $(met ge "$E2" 10000) / $(met ge "$(ratio "$E2" "$CEIL")" 0.5) | $(auditcell e2e.w2) |
| 1 | ceiling: pgbench, same SQL, batch $E2E_C | | $(n0 "$CEIL") invoices/s (2 clients $(n0 "$PG2"), 4 clients $(n0 "$PG4")) | | | n/a |
$(if [ "$MEASURED_1M" = 1 ]; then
echo "| 2 | $(n0 "$LARGE_N") invoices, 100 ms latency, 1 worker: wall time | 1M in < 5 min | $(secs "$LARGE_WALL") ($(n0 "$LARGE_RATE") invoices/s) | target / measured time = $(ratio 300000 "$LARGE_WALL") | $(met le "$LARGE_WALL" 300000) | $(auditcell large) |"
else
echo "| 2 | $(n0 "$LARGE_N") invoices, 100 ms latency, 1 worker: wall time | 1M in < 5 min | $(secs "$LARGE_WALL") ($(n0 "$LARGE_RATE") invoices/s) | **extrapolated** 1M: $(secs "$EXTRAP_MS") | $(met le "$EXTRAP_MS" 300000) (extrapolated) | $(auditcell large) |"
fi)
| 3 | scaling 1 -> 4 workers, postgres | >= 0.9 of linear | $(n0 "$(scale_rate postgres 1)") -> $(n0 "$(scale_rate postgres 4)") invoices/s | $(lin postgres 4) of linear | $(met ge "$(lin postgres 4)" 0.9) | $(auditcell scale.postgres.w4) |
| 3 | scaling 1 -> 4 workers, rabbitmq | >= 0.9 of linear | $(n0 "$(scale_rate rabbitmq 1)") -> $(n0 "$(scale_rate rabbitmq 4)") invoices/s | $(lin rabbitmq 4) of linear | $(met ge "$(lin rabbitmq 4)" 0.9) | $(auditcell scale.rabbitmq.w4) |
| 4 | rabbitmq vs postgres, 4 workers, same load | >= 0.8 | $(n0 "$(scale_rate rabbitmq 4)") vs $(n0 "$(scale_rate postgres 4)") invoices/s | $(ratio "$(scale_rate rabbitmq 4)" "$(scale_rate postgres 4)") | $(met ge "$(ratio "$(scale_rate rabbitmq 4)" "$(scale_rate postgres 4)")" 0.8) | see 3 |
| 4 | rabbitmq vs postgres, issue-4 run (server + 3 workers) | >= 0.8 | $(n0 "$(v issue4.rabbitmq.rate)") vs $(n0 "$(v issue4.postgres.rate)") invoices/s | $(ratio "$(v issue4.rabbitmq.rate)" "$(v issue4.postgres.rate)") | $(met ge "$(ratio "$(v issue4.rabbitmq.rate)" "$(v issue4.postgres.rate)")" 0.8) | see 7 |
| 5 | worker peak heap ($(n0 "$LARGE_N")-invoice run, 512 in flight) | flat, <= 256 MB | peak $(v large.worker.heap_peak_mb) MB before GC, $(v large.worker.heap_live_mb) MB live after GC | live 1st half $(v large.worker.heap_live_first_half_mb) MB, 2nd half $(v large.worker.heap_live_second_half_mb) MB | $(met le "$(v large.worker.heap_peak_mb)" 256) (peak) / $(met le "$(v large.worker.heap_live_mb)" 256) (live) | see 2 |
| 5 | server peak heap (issue-4 rabbitmq run, relaying) | flat, <= 256 MB | peak $(v issue4.rabbitmq.server.heap_peak_mb) MB before GC, $(v issue4.rabbitmq.server.heap_live_mb) MB live after GC | live 1st half $(v issue4.rabbitmq.server.heap_live_first_half_mb) MB, 2nd half $(v issue4.rabbitmq.server.heap_live_second_half_mb) MB | $(met le "$(v issue4.rabbitmq.server.heap_peak_mb)" 256) (peak) / $(met le "$(v issue4.rabbitmq.server.heap_live_mb)" 256) (live) | see 7 |
| 5 | worker cold start to first charge | < 2 s | median $(r2 "$(awk -v x="${COLD_MED:-0}" 'BEGIN { print x / 1000 }')") s (min $(r2 "$(awk -v x="${COLD_MIN:-0}" 'BEGIN { print x / 1000 }')"), max $(r2 "$(awk -v x="${COLD_MAX:-0}" 'BEGIN { print x / 1000 }')"), $COLD_N starts) | | $(met le "${COLD_MED:-99999}" 2000) (median) | |
| 6 | seed-solution reference, sequential / 2-thread parallel stream, 100 ms | reference | $(r1 "$(v ref.sequential.rate)") / $(r1 "$(v ref.parallel.rate)") invoices/s | Charon 1 worker (scenario 2) = $(n0 "$(ratio "$LARGE_RATE" "$(v ref.parallel.rate)")")x the parallel stream | | $(auditcell ref) |
| 7 | issue 4: 100k, server + 3 workers, SIGKILL one, postgres | audit 0 | $(n0 "$(v issue4.postgres.rate)") invoices/s, wall $(secs "$(v issue4.postgres.wall_ms)") | | $(met test "$(v issue4.postgres.audit)" = 0) | $(auditcell issue4.postgres) |
| 7 | issue 4: 100k, server + 3 workers, SIGKILL one, rabbitmq | audit 0 | $(n0 "$(v issue4.rabbitmq.rate)") invoices/s, wall $(secs "$(v issue4.rabbitmq.wall_ms)") | | $(met test "$(v issue4.rabbitmq.audit)" = 0) | $(auditcell issue4.rabbitmq) |

Invoices/s is measured from the database's own clock: charged invoices divided by the time from
the first attempt opened to the last outcome recorded. Wall times are from starting \`charon bill\`
to its exit (it polls every 2 s, so they carry up to 2 s of slack). "Audit exit" is
\`charon audit --gateway-url ...\` run after the scenario against that scenario's gateway ledger.

## 1. End-to-end throughput at zero latency, and the database ceiling

$(n0 "$(v e2e.w1.charged)") invoices (postgres transport, gateway with 0 ms latency). The workers are started and
ready (polling an empty queue) before \`charon bill\` produces the run, so production (batches of
1,000 in the same database) overlaps the first seconds of charging, as in a real run. The ceiling is
\`pgbench\` running \`bench/charge.pgbench\` (claim with SKIP LOCKED + lease, open the attempts,
record outcome + history trigger + delete the request, in the same statements and transactions as
\`PostgresChargeQueue\`/\`ChargeStore\`, batch = worker concurrency) on a fresh database of the same
size on the same server, without any provider call.

| run | invoices | invoices/s | ratio to ceiling | mean claim/open batch | mean record batch | wall (bill) | audit exit |
| --- | --- | --- | --- | --- | --- | --- | --- |
| Charon, 1 worker | $(n0 "$(v e2e.w1.charged)") | $(n0 "$E1") | $(ratio "$E1" "$CEIL") | $(v e2e.w1.open_batch) | $(v e2e.w1.record_batch) | $(secs "$(v e2e.w1.wall_ms)") | $(auditcell e2e.w1) |
| Charon, 2 workers | $(n0 "$(v e2e.w2.charged)") | $(n0 "$E2") | $(ratio "$E2" "$CEIL") | $(v e2e.w2.open_batch) | $(v e2e.w2.record_batch) | $(secs "$(v e2e.w2.wall_ms)") | $(auditcell e2e.w2) |
| pgbench, 2 clients | $(n0 "$(v pgbench.c2.invoices)") | $(n0 "$PG2") ($(r1 "$(v pgbench.c2.tps)") batches/s) | $(ratio "$PG2" "$CEIL") | full | full | | all PAID: $(v pgbench.c2.paid) |
| pgbench, 4 clients | $(n0 "$(v pgbench.c4.invoices)") | $(n0 "$PG4") ($(r1 "$(v pgbench.c4.tps)") batches/s) | $(ratio "$PG4" "$CEIL") | full | full | | all PAID: $(v pgbench.c4.paid) |
$(cmds 1)

## 2. A large run at 100 ms latency, one worker

| invoices | worker concurrency | wall (bill start to exit) | invoices/s | extrapolated to 1,000,000 | target | audit exit |
| --- | --- | --- | --- | --- | --- | --- |
| $(n0 "$LARGE_N") | $L_C | $(secs "$LARGE_WALL") | $(n0 "$LARGE_RATE") | $(if [ "$MEASURED_1M" = 1 ]; then echo "measured, not extrapolated"; else echo "$(secs "$EXTRAP_MS") (**extrapolated**: 1,000,000 / measured rate; not run)"; fi) | < 5:00 | $(auditcell large) |

The theoretical rate of one worker with $L_C calls in flight at 100 ms is
$(n0 "$(awk -v c="$L_C" 'BEGIN { print c * 10 }')") invoices/s.
$(cmds 2)

## 3. Worker scaling at 100 ms latency, both transports

Each point is a fresh database with $(n0 "$(v scale.postgres.w1.charged)") due invoices; the workers are started and ready
before \`charon bill\` produces the run (for rabbitmq a \`server\` relays the outbox to the broker
while it is produced; its CPU is not in the table below); each worker runs with concurrency $S_C (ideal: $(n0 "$(awk -v c="$S_C" 'BEGIN { print c * 10 }')") invoices/s per worker at 100 ms).
Linear = n x the 1-worker rate of the same transport.

![worker scaling](docs/img/worker-scaling.png)

| transport | workers | invoices/s | ratio to linear | ratio to ideal (n x concurrency / 0.1 s) | mean claim batch | audit exit |
| --- | --- | --- | --- | --- | --- | --- |
EOF
C_S=$S_C
for tr in postgres rabbitmq; do
  for n in 1 2 4; do
    has "scale.$tr.w$n.rate" || continue
    echo "| $tr | $n | $(n0 "$(scale_rate "$tr" "$n")") | $(lin "$tr" "$n") | $(ratio "$(scale_rate "$tr" "$n")" "$(( n * C_S * 10 ))") | $(v "scale.$tr.w$n.open_batch") | $(auditcell "scale.$tr.w$n") |"
  done
done
cat <<EOF
$(cmds 3)

## 4. rabbitmq vs postgres on the same load

| load | postgres invoices/s | rabbitmq invoices/s | rabbitmq / postgres | target |
| --- | --- | --- | --- | --- |
EOF
for n in 1 2 4; do
  has "scale.rabbitmq.w$n.rate" || continue
  echo "| scenario 3, $n worker(s) | $(n0 "$(scale_rate postgres "$n")") | $(n0 "$(scale_rate rabbitmq "$n")") | $(ratio "$(scale_rate rabbitmq "$n")" "$(scale_rate postgres "$n")") | >= 0.8 |"
done
echo "| scenario 7, server + 3 workers, one SIGKILLed | $(n0 "$(v issue4.postgres.rate)") | $(n0 "$(v issue4.rabbitmq.rate)") | $(ratio "$(v issue4.rabbitmq.rate)" "$(v issue4.postgres.rate)") | >= 0.8 |"
cat <<EOF

## 5. Heap and cold start

Heap figures come from each JVM's \`-Xlog:gc\` (occupancy before and after every collection) and one
\`jcmd <pid> GC.heap_info\` at the end of the run. Workers and servers ran with the heap bound
\`./charon\` gives them (\`-Xmx256m\`, \`scripts/jvm-options.sh\`), so "peak before GC" cannot pass
256 MB: whether that bound is enough shows in "live after GC" (what the process really keeps),
its trend from the first to the second half of the run, and in the run finishing at full speed
without an OutOfMemoryError.

| process | run | collections | peak before GC (MB) | max live after GC (MB) | live after GC, 1st / 2nd half of run (MB) | max committed (MB) | used at end (MB) |
| --- | --- | --- | --- | --- | --- | --- | --- |
| worker | scenario 2, $(n0 "$LARGE_N") invoices, 1 worker | $(v large.worker.gcs) | $(v large.worker.heap_peak_mb) | $(v large.worker.heap_live_mb) | $(v large.worker.heap_live_first_half_mb) / $(v large.worker.heap_live_second_half_mb) | $(v large.worker.heap_committed_mb) | $(v large.worker.heap_end_used_mb) |
| worker | scenario 7, postgres | $(v issue4.postgres.worker.gcs) | $(v issue4.postgres.worker.heap_peak_mb) | $(v issue4.postgres.worker.heap_live_mb) | $(v issue4.postgres.worker.heap_live_first_half_mb) / $(v issue4.postgres.worker.heap_live_second_half_mb) | $(v issue4.postgres.worker.heap_committed_mb) | $(v issue4.postgres.worker.heap_end_used_mb) |
| worker | scenario 7, rabbitmq | $(v issue4.rabbitmq.worker.gcs) | $(v issue4.rabbitmq.worker.heap_peak_mb) | $(v issue4.rabbitmq.worker.heap_live_mb) | $(v issue4.rabbitmq.worker.heap_live_first_half_mb) / $(v issue4.rabbitmq.worker.heap_live_second_half_mb) | $(v issue4.rabbitmq.worker.heap_committed_mb) | $(v issue4.rabbitmq.worker.heap_end_used_mb) |
| server | scenario 7, postgres (scheduler) | $(v issue4.postgres.server.gcs) | $(v issue4.postgres.server.heap_peak_mb) | $(v issue4.postgres.server.heap_live_mb) | $(v issue4.postgres.server.heap_live_first_half_mb) / $(v issue4.postgres.server.heap_live_second_half_mb) | $(v issue4.postgres.server.heap_committed_mb) | $(v issue4.postgres.server.heap_end_used_mb) |
| server | scenario 7, rabbitmq (scheduler + outbox relay) | $(v issue4.rabbitmq.server.gcs) | $(v issue4.rabbitmq.server.heap_peak_mb) | $(v issue4.rabbitmq.server.heap_live_mb) | $(v issue4.rabbitmq.server.heap_live_first_half_mb) / $(v issue4.rabbitmq.server.heap_live_second_half_mb) | $(v issue4.rabbitmq.server.heap_committed_mb) | $(v issue4.rabbitmq.server.heap_end_used_mb) |

$(if [ "$MEASURED_1M" != 1 ]; then echo "Not measured: a 1,000,000-invoice run (scenario 2 ran $(n0 "$LARGE_N") to fit the time budget), so the
heap figures are for that size."; fi)

Cold start = from the shell starting \`java -jar charon.jar worker\` to the worker's first
\`charge_attempt\` row (database clock; same machine), with requests already waiting; workers
started one after another (each stopped before the next), with the class-data sharing options
\`./charon\` gives a worker (\`scripts/jvm-options.sh\`). This includes JVM start, the schema
check, the connection pool, and the first claim. The first start on a new machine (or after a new
jar) finds no archive: $(v coldfirst.cold-0) ms; it writes the archive ($(v coldfirst.archive_mb) MB)
when it is stopped, and the three measured starts map it:

| worker | ms |
| --- | --- |
EOF
awk -F'\t' '$1 ~ /^coldstart\./ && $1 != "coldstart.load" { sub(/^coldstart\./, "", $1); print "| " $1 " | " $2 " |" }' "$RUN/results.tsv"
echo
echo "Load average and other java processes when these starts were measured: $(v coldstart.load)."
cat <<EOF

## 6. The seed solution's approach as a reference line

\`bench/SeedReference.java\`: fetch the pending invoices, then for each call the gateway over HTTP
(same gateway, $LAT ms latency) and write the attempt and PAID in one transaction, either
sequentially or from \`parallelStream()\` run inside a \`ForkJoinPool(2)\`. The JDK
\`HttpClient.send\` blocks through \`CompletableFuture.get\`, which a ForkJoinPool treats as a
managed block and compensates with extra threads, so the "2-thread" stream actually ran more than
two calls at once: that is why it is more than twice the sequential rate. Both rates are
latency-bound (100 ms a call) whatever the box.

| approach | invoices | invoices/s | Charon 1 worker (scenario 2) / this |
| --- | --- | --- | --- |
| sequential | $(v ref.sequential.paid) | $(r1 "$(v ref.sequential.rate)") | $(n0 "$(ratio "$LARGE_RATE" "$(v ref.sequential.rate)")")x |
| 2-thread parallel stream | $(v ref.parallel.paid) | $(r1 "$(v ref.parallel.rate)") | $(n0 "$(ratio "$LARGE_RATE" "$(v ref.parallel.rate)")")x |

Audit exit after both: $(auditcell ref).
$(cmds 6)

## 7. Issue 4: server + three workers + gateway, one worker SIGKILLed half-way

Both runs: a \`server\` (scheduler; with rabbitmq also the outbox relay), three \`worker\`s
(concurrency $I4_C each, \`CHARON_LEASE=15s\`), the \`gateway\` at $LAT ms, \`charon bill\`
producing the run; worker 2 is killed with SIGKILL once half the invoices are settled; the run must
still finish and \`charon audit\` must exit 0.

| transport | invoices charged | killed at (settled) | invoices with more than one attempt | left PROCESSING | invoices/s | wall | audit exit | audit says |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
| postgres | $(n0 "$(v issue4.postgres.charged)") | $(n0 "$(v issue4.postgres.killed_at_settled)") | $(v issue4.postgres.dup_attempts) | $(v issue4.postgres.inflight) | $(n0 "$(v issue4.postgres.rate)") | $(secs "$(v issue4.postgres.wall_ms)") | $(auditcell issue4.postgres) | $(v issue4.postgres.audit_line) |
| rabbitmq | $(n0 "$(v issue4.rabbitmq.charged)") | $(n0 "$(v issue4.rabbitmq.killed_at_settled)") | $(v issue4.rabbitmq.dup_attempts) | $(v issue4.rabbitmq.inflight) | $(n0 "$(v issue4.rabbitmq.rate)") | $(secs "$(v issue4.rabbitmq.wall_ms)") | $(auditcell issue4.rabbitmq) | $(v issue4.rabbitmq.audit_line) |

"More than one attempt": invoices with a second \`charge_attempt\` row. In these runs they are the
attempts that ended UNAVAILABLE ("connect timeout", see Outcomes below), retried by the server's
retry task with a new attempt and a new idempotency key. (The killed worker's own in-flight
attempts are reconciled with their existing key and do not add rows.) The audit checks the
provider's ledger against this: at most one charge per invoice.
$(cmds 7)

## Outcomes of every run

Invoice states at the end of each run, and the attempts that did not end CHARGED (outcome x count
(detail)). The gateway had no fault knobs on, so anything not CHARGED came from this machine
(e.g. HTTP connect timeouts when hundreds of connections open at once on a loaded box); such an
invoice is RETRY_SCHEDULED, which counts as settled for the run, and a \`server\` (scenario 7)
re-enqueues it when its retry time comes.

| run | invoice states | attempts not CHARGED | threads killed by an uncaught exception | stalled |
| --- | --- | --- | --- | --- |
EOF
awk -F'\t' '$1 ~ /\.statuses$/ { k = $1; sub(/\.statuses$/, "", k); print k }' "$RUN/results.tsv" | while read -r k; do
  echo "| $k | $(v "$k.statuses") | $(v "$k.failures") | $(v "$k.thread_deaths" none) | $(v "$k.stalled" no) |"
done
cat <<EOF

## Where the time goes

### CPU: who used the machine during each measured window

CPU-seconds from \`/proc/<pid>/stat\` of the harness's own processes and of this database's
PostgreSQL backends, against the whole machine's busy time (\`/proc/stat\`) in the same window.
"Others" is everything else that ran meanwhile (other engineers' tests, PostgreSQL's background
writers, RabbitMQ).

| window | wall s | worker(s) | gateway | PostgreSQL backends | ours | machine busy / available CPU-s | others CPU-s |
| --- | --- | --- | --- | --- | --- | --- | --- |
EOF
if has e2e.w1.cpu.wall; then
  w=$(v e2e.w1.cpu.e2e-w1-1 0)
  echo "| scenario 1, 1 worker, 0 ms | $(r1 "$(v e2e.w1.cpu.wall)") | $(r1 "$w") | $(r1 "$(v e2e.w1.cpu.gateway)") | $(r1 "$(v e2e.w1.cpu.postgres)") | $(r1 "$(awk -v a="$w" -v b="$(v e2e.w1.cpu.gateway)" -v c="$(v e2e.w1.cpu.postgres)" 'BEGIN { print a + b + c }')") | $(r1 "$(v e2e.w1.cpu.machine)") / $(r1 "$(mul "$(v e2e.w1.cpu.wall)" "$NPROC")") | $(r1 "$(awk -v m="$(v e2e.w1.cpu.machine)" -v a="$w" -v b="$(v e2e.w1.cpu.gateway)" -v c="$(v e2e.w1.cpu.postgres)" 'BEGIN { print m - a - b - c }')") |"
fi
if has e2e.w2.cpu.wall; then
  w=$(awk -v a="$(v e2e.w2.cpu.e2e-w2-1 0)" -v b="$(v e2e.w2.cpu.e2e-w2-2 0)" 'BEGIN { print a + b }')
  echo "| scenario 1, 2 workers, 0 ms | $(r1 "$(v e2e.w2.cpu.wall)") | $(r1 "$w") | $(r1 "$(v e2e.w2.cpu.gateway)") | $(r1 "$(v e2e.w2.cpu.postgres)") | $(r1 "$(awk -v a="$w" -v b="$(v e2e.w2.cpu.gateway)" -v c="$(v e2e.w2.cpu.postgres)" 'BEGIN { print a + b + c }')") | $(r1 "$(v e2e.w2.cpu.machine)") / $(r1 "$(mul "$(v e2e.w2.cpu.wall)" "$NPROC")") | $(r1 "$(awk -v m="$(v e2e.w2.cpu.machine)" -v a="$w" -v b="$(v e2e.w2.cpu.gateway)" -v c="$(v e2e.w2.cpu.postgres)" 'BEGIN { print m - a - b - c }')") |"
fi
if has large.cpu.wall; then
  w=$(v large.cpu.large-w1 0)
  echo "| scenario 2, 1 worker, 100 ms | $(r1 "$(v large.cpu.wall)") | $(r1 "$w") | $(r1 "$(v large.cpu.gateway)") | $(r1 "$(v large.cpu.postgres)") | $(r1 "$(awk -v a="$w" -v b="$(v large.cpu.gateway)" -v c="$(v large.cpu.postgres)" 'BEGIN { print a + b + c }')") | $(r1 "$(v large.cpu.machine)") / $(r1 "$(mul "$(v large.cpu.wall)" "$NPROC")") | $(r1 "$(awk -v m="$(v large.cpu.machine)" -v a="$w" -v b="$(v large.cpu.gateway)" -v c="$(v large.cpu.postgres)" 'BEGIN { print m - a - b - c }')") |"
fi
for tr in postgres rabbitmq; do
  for n in 1 4; do
    k="scale.$tr.w$n"
    has "$k.cpu.wall" || continue
    w=0
    for i in $(seq 1 "$n"); do w=$(awk -v a="$w" -v b="$(v "$k.cpu.sc-$tr-w$n-$i" 0)" 'BEGIN { print a + b }'); done
    echo "| scenario 3, $tr, $n worker(s) | $(r1 "$(v "$k.cpu.wall")") | $(r1 "$w") | $(r1 "$(v "$k.cpu.gateway")") | $(r1 "$(v "$k.cpu.postgres")") | $(r1 "$(awk -v a="$w" -v b="$(v "$k.cpu.gateway")" -v c="$(v "$k.cpu.postgres")" 'BEGIN { print a + b + c }')") | $(r1 "$(v "$k.cpu.machine")") / $(r1 "$(mul "$(v "$k.cpu.wall")" "$NPROC")") | $(r1 "$(awk -v m="$(v "$k.cpu.machine")" -v a="$w" -v b="$(v "$k.cpu.gateway")" -v c="$(v "$k.cpu.postgres")" 'BEGIN { print m - a - b - c }')") |"
  done
done
for tr in postgres rabbitmq; do
  k="issue4.$tr"
  has "$k.cpu.wall" || continue
  w=$(awk -v a="$(v "$k.cpu.i4-$tr-w1" 0)" -v b="$(v "$k.cpu.i4-$tr-w3" 0)" -v s="$(v "$k.cpu.i4-server-$tr" 0)" 'BEGIN { print a + b + s }')
  echo "| scenario 7, $tr (server + surviving workers) | $(r1 "$(v "$k.cpu.wall")") | $(r1 "$w") | $(r1 "$(v "$k.cpu.gateway")") | $(r1 "$(v "$k.cpu.postgres")") | $(r1 "$(awk -v a="$w" -v b="$(v "$k.cpu.gateway")" -v c="$(v "$k.cpu.postgres")" 'BEGIN { print a + b + c }')") | $(r1 "$(v "$k.cpu.machine")") / $(r1 "$(mul "$(v "$k.cpu.wall")" "$NPROC")") | $(r1 "$(awk -v m="$(v "$k.cpu.machine")" -v a="$w" -v b="$(v "$k.cpu.gateway")" -v c="$(v "$k.cpu.postgres")" 'BEGIN { print m - a - b - c }')") |"
done
cat <<EOF

### PostgreSQL: what the backends were doing (scenario 1, 1 worker)

\`pg_stat_statements\` is $(v machine.pgss) on this server, and restarting the shared PostgreSQL
was not an option, so one connection sampled \`pg_stat_activity\` every 100 ms during the run and
counted the active backends of the benchmark database by wait event and statement:

\`\`\`
EOF
if [ -f "$RUN/top-sql-e2e.w1.txt" ]; then cat "$RUN/top-sql-e2e.w1.txt"; else echo "(not sampled)"; fi
cat <<EOF
\`\`\`

Per-statement latency of the same SQL under pgbench (2 clients, ms per statement, \`pgbench -r\`):

\`\`\`
EOF
if [ -f "$RUN/s1-pgbench-c2.pgbench.log" ]; then sed -n '/statement latencies/,$p' "$RUN/s1-pgbench-c2.pgbench.log" | cut -c1-100; else echo "(not run)"; fi
cat <<EOF
\`\`\`

### The worker: time per statement on its two database threads (scenario 1, 1 worker)

JDBI emits a JFR event per statement (\`jdbi.statement\`, duration from send to result closed;
commits are not statements and are not in it). Summed per thread, this shows how busy the
worker's single \`charge-taker\` (claim + open) and single \`charge-recorder\` (settle) threads
were during the $(r1 "$(v e2e.w1.cpu.wall)") s run:

\`\`\`
thread            calls   total ms  mean ms  statement
EOF
if [ -f "$RUN/worker-e2e.jfr" ]; then
  "$(dirname "$JAVA")/jfr" print --events jdbi.statement "$RUN/worker-e2e.jfr" | awk '
    /^jdbi.statement/ { d = 0 }
    /^  duration = / { v = $3; u = $4; d = (u == "s" ? v * 1000 : u == "ms" ? v : u == "us" ? v / 1000 : u == "ns" ? v / 1e6 : v) }
    /^  sql = / { q = substr($0, index($0, "\"") + 1); sub(/^[ \t]+/, "", q); q = substr(q, 1, 60) }
    /^  eventThread = / { t = $3; gsub(/"/, "", t); key = t "|" q; n[key]++; tot[key] += d; all[t] += d }
    END { for (k in n) { split(k, p, "|"); printf "%-16s %6d %10.0f %8.2f  %s\n", p[1], n[k], tot[k], tot[k] / n[k], p[2] }
          for (t in all) printf "%-16s %6s %10.0f %8s  (all statements of the thread)\n", t, "", all[t], "" }' | sort -k3 -n -r | head -14
else
  echo "(no recording)"
fi
cat <<EOF
\`\`\`

CPU by thread (JFR \`jdk.ThreadCPULoad\`, share of the whole machine, top 8):

\`\`\`
EOF
if [ -f "$RUN/worker-e2e.jfr" ]; then
  "$(dirname "$JAVA")/jfr" view --width 120 thread-cpu-load "$RUN/worker-e2e.jfr" | sed -n '4,13p'
fi
cat <<EOF
\`\`\`

### The worker: JFR hot methods (scenario 1, 1 worker)

\`\`\`
EOF
if [ -f "$RUN/jfr-hot-methods.txt" ]; then head -30 "$RUN/jfr-hot-methods.txt" | cut -c1-140; else echo "(not recorded)"; fi
cat <<EOF
\`\`\`

EOF
if [ -f "$BENCH/analysis.md" ]; then cat "$BENCH/analysis.md"; fi
} >"$MD"
echo "wrote $MD"
