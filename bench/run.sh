#!/usr/bin/env bash
# Charon's benchmark harness (issue 6, and the two 100,000-invoice runs of issue 4): runs every
# scenario against this machine's PostgreSQL and RabbitMQ, each on a fresh database, and writes
# BENCHMARKS.md and docs/img/worker-scaling.png.
#
#   bench/run.sh [--quick] [--only "1 2 3 5 6 7"] [--jar PATH] [--SIZE-FLAG N ...]
#
# Size flags (defaults in brackets; every one also reads BENCH_<NAME> from the environment):
#   --e2e-invoices [20000]        scenario 1: zero-latency run, postgres transport, 1 and 2 workers
#   --e2e-concurrency [64]        scenario 1: worker concurrency = claim batch = pgbench batch
#   --large-invoices [1000000]    scenario 2: 100 ms latency, one worker
#   --large-concurrency [512]
#   --scale-invoices [6000]       scenario 3: 1, 2, 4 workers, both transports, 100 ms latency
#   --scale-concurrency [64]      per worker
#   --ref-invoices [100]          scenario 6: seed-solution reference, per mode
#   --issue4-invoices [100000]    scenario 7: server + 3 workers, SIGKILL one half-way, both transports
#   --issue4-concurrency [256]    per worker
#   --latency-ms [100]            gateway latency of scenarios 2, 3, 6, 7
# --quick shrinks everything (a smoke test of the harness itself, a minute or two).
# Scenario 4 (rabbitmq vs postgres) is read from 3 and 7; scenario 5's heap figures from 2 and 7.
#
# Needs: a JDK >= 21 (found like ./charon does), psql + pgbench, PostgreSQL on 127.0.0.1:5432
# (user postgres, trust), RabbitMQ on localhost with rabbitmqctl, and bench/out/charon.jar (copied
# from target/charon.jar when missing; this script never builds). Starts and stops only its own
# processes; creates and drops only databases named bench_*, queues/exchanges named bench.*.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
OUT="$BENCH/out"
source "$ROOT/scripts/find-jdk.sh"
source "$ROOT/scripts/jvm-options.sh"
JAVA_HOME="$(find_jdk)"
JAVA="$JAVA_HOME/bin/java"
JAR="$OUT/charon.jar"

E2E_N=${BENCH_E2E_INVOICES:-20000}
E2E_C=${BENCH_E2E_CONCURRENCY:-64}
LARGE_N=${BENCH_LARGE_INVOICES:-1000000}
LARGE_C=${BENCH_LARGE_CONCURRENCY:-512}
SCALE_N=${BENCH_SCALE_INVOICES:-6000}
SCALE_C=${BENCH_SCALE_CONCURRENCY:-64}
REF_N=${BENCH_REF_INVOICES:-100}
I4_N=${BENCH_ISSUE4_INVOICES:-100000}
I4_C=${BENCH_ISSUE4_CONCURRENCY:-256}
LAT=${BENCH_LATENCY_MS:-100}
ONLY="1 2 3 5 6 7"
QUICK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1; E2E_N=3000; LARGE_N=5000; SCALE_N=1500; REF_N=20; I4_N=5000; shift ;;
    --only) ONLY="$2"; shift 2 ;;
    --jar) JAR="$2"; shift 2 ;;
    --e2e-invoices) E2E_N="$2"; shift 2 ;;
    --e2e-concurrency) E2E_C="$2"; shift 2 ;;
    --large-invoices) LARGE_N="$2"; shift 2 ;;
    --large-concurrency) LARGE_C="$2"; shift 2 ;;
    --scale-invoices) SCALE_N="$2"; shift 2 ;;
    --scale-concurrency) SCALE_C="$2"; shift 2 ;;
    --ref-invoices) REF_N="$2"; shift 2 ;;
    --issue4-invoices) I4_N="$2"; shift 2 ;;
    --issue4-concurrency) I4_C="$2"; shift 2 ;;
    --latency-ms) LAT="$2"; shift 2 ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown flag $1 (see --help)" >&2; exit 2 ;;
  esac
done

mkdir -p "$OUT"
if [ ! -f "$JAR" ]; then
  cp "$ROOT/target/charon.jar" "$JAR"
fi
STAMP="$(date -u +%Y%m%d-%H%M%S)"
TAG="$(echo "$STAMP" | tr -d -)$$"
RUN="$OUT/run-$STAMP"
mkdir -p "$RUN"
RESULTS="$RUN/results.tsv"
: >"$RESULTS"
ln -sfn "run-$STAMP" "$OUT/latest"
PERIOD="$(date -u +%Y-%m)"
HOST="$(hostname)"
export PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres
# Every Charon process of the harness logs at WARN: per-charge INFO lines cost throughput.
export CHARON_LOG_LEVEL=WARN
HARNESS_START=$(date +%s)

declare -a PIDS=()
declare -a QUEUES=()
declare -A R=()

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$RUN/harness.log" >&2; }
now_ms() { date +%s%3N; }
result() { # result KEY VALUE: kept for the report and in results.tsv
  R[$1]="$2"
  printf '%s\t%s\n' "$1" "$2" >>"$RESULTS"
}
calc() { awk "BEGIN { printf \"%s\", ($1) }"; }
fmt0() { awk -v v="$1" 'BEGIN { printf "%.0f", v }'; }

psqlq() { psql -X -q -tA -v ON_ERROR_STOP=1 "$@"; }
sql() { psqlq -d "$DB" -c "$1"; }

# Commands are written to the scenario's command log as they run (paths relative to the repo).
CMDLOG=/dev/null
note_cmd() { printf '%s\n' "$*" | sed "s#$ROOT/#./#g; s#$JAVA_HOME/bin/java#java#g" >>"$CMDLOG"; }

# Seeding costs a JVM start and a few seconds, so each size is seeded once into a template
# database (bench_tpl_<n>: migrated and seeded by `charon seed`, then closed to connections) and
# every scenario gets a fresh copy of it (CREATE DATABASE ... TEMPLATE, a file copy).
# Deliberately NOT vacuumed: a VACUUM/ANALYZE of the empty charge_request table makes workers that
# poll it cache a nested-loop generic plan for the claim, which then leases every ready row at
# once and kills the worker's taker thread (an engine bug, see BENCHMARKS.md). A freshly seeded
# database is what `charon seed` leaves, so that is what the scenarios get.
declare -A TEMPLATES=()
template() { # template INVOICES: sets TPL to the template's name, seeding it the first time
  local n="$1" t="bench_tpl_${1}_$TAG"
  if [ -z "${TEMPLATES[$n]:-}" ]; then
    psqlq -d postgres -c "create database $t" >/dev/null
    CHARON_DB_URL="jdbc:postgresql://127.0.0.1:5432/$t" "$JAVA" -jar "$JAR" seed --customers "$n" --invoices-per-customer 1 >>"$RUN/seed.log" 2>&1
    psqlq -d postgres -c "alter database $t with allow_connections false" >/dev/null
    TEMPLATES[$n]="$t"
  fi
  TPL="${TEMPLATES[$n]}"
}
drop_templates() {
  local t
  for t in "${TEMPLATES[@]}"; do
    psqlq -d postgres -c "alter database $t with allow_connections true" -c "drop database if exists $t with (force)" >/dev/null 2>&1 || true
  done
}

# fresh_db NAME INVOICES: a new database holding INVOICES due invoices (seeded, nothing else).
fresh_db() {
  local tpl i
  DB="bench_${1}_$TAG"
  template "$2"
  tpl="$TPL"
  for i in 1 2 3 4 5; do # CREATE DATABASE fails if anything is connected to the template
    psqlq -d postgres -c "drop database if exists $DB" -c "create database $DB template $tpl" >/dev/null 2>&1 && break
    sleep 1
  done
  export CHARON_DB_URL="jdbc:postgresql://127.0.0.1:5432/$DB"
  note_cmd "# fresh database $DB = copy of a template seeded with: java -jar charon.jar seed --customers $2 --invoices-per-customer 1"
  note_cmd "export CHARON_DB_URL=jdbc:postgresql://127.0.0.1:5432/$DB CHARON_LOG_LEVEL=WARN"
}

drop_db() { psqlq -d postgres -c "drop database if exists $DB with (force)" >/dev/null 2>&1 || true; }

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    if ! ss -Htln "sport = :$p" | grep -q .; then echo "$p"; return; fi
  done
}

# launch NAME CMD...: starts a process in the background, logs to $RUN/NAME.log, remembers its
# pid in PID_<NAME> and its start time (ms) in T0_<NAME>.
launch() {
  local name="$1"; shift
  note_cmd "$* &"
  local t0; t0=$(now_ms)
  "$@" >"$RUN/$SC.$name.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  printf -v "PID_${name//[-.]/_}" '%s' "$pid"
  printf -v "T0_${name//[-.]/_}" '%s' "$t0"
}
pid_of() { local v="PID_${1//[-.]/_}"; echo "${!v}"; }
t0_of() { local v="T0_${1//[-.]/_}"; echo "${!v}"; }

stop_pid() { # SIGTERM one of our processes, SIGKILL after 20 s
  local pid="$1" i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid" & done
  wait_pids "${PIDS[@]}"
  PIDS=()
}
wait_pids() { local pid; for pid in "$@"; do while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done; done; }

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  [ -n "${SAMPLER:-}" ] && kill "$SAMPLER" 2>/dev/null || true
  # Queues and exchanges go at the end, in parallel: each rabbitmqctl call is an Erlang VM start.
  for q in "${QUEUES[@]}"; do delete_rabbit "$q" & done
  wait
  if [ -n "${DB:-}" ]; then drop_db; fi
  drop_templates
}
trap cleanup EXIT

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local secs="$1" what="$2"; shift 2
  local until=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$until" ]; then log "timed out after ${secs}s waiting for $what"; return 1; fi
    sleep 0.2
  done
}

start_gateway() { # start_gateway LATENCY_MS
  GW_PORT=$(free_port)
  launch gateway "$JAVA" -jar "$JAR" gateway --port "$GW_PORT" --state-file "$RUN/$SC.gateway.jsonl" --reset --latency-ms "$1"
  export CHARON_GATEWAY_URL="http://127.0.0.1:$GW_PORT"
  note_cmd "export CHARON_GATEWAY_URL=$CHARON_GATEWAY_URL"
}
gateway_ready() { wait_for 90 gateway grep -q listening "$RUN/$SC.gateway.log"; }

start_server() { # start_server NAME (transport from CHARON_QUEUE)
  local port; port=$(free_port)
  launch "$1" "$JAVA" $(charon_heap_options server) "-Xlog:gc:file=$RUN/$SC.$1-gc.log" -jar "$JAR" server --port "$port"
  wait_for 90 "server health" curl -fsS "http://127.0.0.1:$port/rest/health"
}

start_worker() { # start_worker NAME CONCURRENCY [java options...]
  local name="$1" c="$2"; shift 2
  launch "$name" env CHARON_METRICS_PORT=0 "$JAVA" $(charon_heap_options worker) "-Xlog:gc:file=$RUN/$SC.$name-gc.log" "$@" -jar "$JAR" worker --concurrency "$c"
}

start_bill() {
  launch bill "$JAVA" -jar "$JAR" bill --period "$PERIOD" --workers 0
}

run_state() { sql "select coalesce((select state from billing_run where period = '$PERIOD'), 'NONE')"; }
produced() { [ "$(run_state)" = CHARGING ] || [ "$(run_state)" = FINISHED ]; }
published() { produced && [ "$(sql "select count(*) from charge_request where published_at is null")" = 0 ]; }
settled() { sql "select count(*) from invoice where billing_run_id is not null and status <> 'PROCESSING'"; }

# wait_bill KEY: waits for `bill` to exit and records its wall time and exit code. A watchdog
# stops waiting when nothing settles for $STALL_S seconds (a stuck run must not eat the budget):
# the scenario is then recorded as stalled, `bill` is killed, and the harness goes on.
STALL_S=${BENCH_STALL_SECONDS:-120}
wait_bill() {
  local k="$1" pid; pid=$(pid_of bill)
  local rc=0 last=-1 since now n
  since=$(date +%s)
  while kill -0 "$pid" 2>/dev/null; do
    sleep 2
    n=$(settled 2>/dev/null || echo "$last")
    now=$(date +%s)
    if [ "$n" != "$last" ]; then last=$n; since=$now; fi
    if [ $(( now - since )) -ge "$STALL_S" ]; then
      log "STALLED: nothing settled for ${STALL_S}s at $n settled; killing bill"
      result "$k.stalled" "at $n settled"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
  done
  wait "$pid" || rc=$?
  BILL_MS=$(( $(now_ms) - $(t0_of bill) ))
  BILL_RC=$rc
}

rabbit_env() { # unique topology per run
  export CHARON_QUEUE=rabbitmq CHARON_AMQP_QUEUE="bench.$TAG.$1" CHARON_AMQP_EXCHANGE="bench.$TAG.$1.x"
  QUEUES+=("$CHARON_AMQP_QUEUE")
  note_cmd "export CHARON_QUEUE=rabbitmq CHARON_AMQP_QUEUE=$CHARON_AMQP_QUEUE CHARON_AMQP_EXCHANGE=$CHARON_AMQP_EXCHANGE"
}
postgres_env() { export CHARON_QUEUE=postgres; unset CHARON_AMQP_QUEUE CHARON_AMQP_EXCHANGE || true; note_cmd "export CHARON_QUEUE=postgres"; }

delete_rabbit() {
  local q="$1"
  rabbitmqctl -q delete_queue "$q" >/dev/null 2>&1 &
  rabbitmqctl -q delete_queue "$q.dead" >/dev/null 2>&1 &
  local x
  for x in "$q.x" "$q.x.dead"; do
    rabbitmqctl -q eval "rabbit_exchange:delete(rabbit_misc:r(<<\"/\">>, exchange, <<\"$x\">>), false, <<\"bench\">>)." >/dev/null 2>&1 &
  done
  wait
}

# measure KEY: throughput from the database's own timestamps (first attempt opened to last
# outcome recorded), batch sizes (attempts share their transaction's now()), and outcomes.
measure() {
  local k="$1" line
  line=$(sql "select count(*) filter (where outcome = 'CHARGED'), count(*),
                     round(extract(epoch from max(completed_at) - min(created_at))::numeric, 3),
                     (select count(*) from invoice where status = 'PAID' and billing_run_id is not null),
                     (select count(*) from invoice where status = 'PROCESSING')
              from charge_attempt")
  IFS='|' read -r charged attempts span paid inflight <<<"$line"
  result "$k.charged" "$charged"
  result "$k.attempts" "$attempts"
  result "$k.span_s" "$span"
  result "$k.paid" "$paid"
  result "$k.inflight" "$inflight"
  result "$k.rate" "$(calc "$span > 0 ? $charged / $span : 0")"
  result "$k.statuses" "$(sql "select string_agg(status || ' ' || n, ', ' order by n desc) from (select status, count(*) n from invoice where billing_run_id is not null group by 1) s")"
  result "$k.failures" "$(sql "select coalesce(string_agg(outcome || ' x' || n || ' (' || d || ')', '; ' order by n desc), 'none') from (select outcome, left(coalesce(detail, ''), 80) d, count(*) n from charge_attempt where outcome <> 'CHARGED' group by 1, 2 order by 3 desc limit 3) s")"
  result "$k.open_batch" "$(sql "select round(avg(n), 1) from (select worker, created_at, count(*) n from charge_attempt group by 1, 2) s")"
  result "$k.record_batch" "$(sql "select round(avg(n), 1) from (select worker, completed_at, count(*) n from charge_attempt where completed_at is not null group by 1, 2) s")"
}

# cold_start NAME KEY: ms from the worker's process start to its first attempt row.
cold_start() {
  local pid t0 first
  pid=$(pid_of "$1"); t0=$(t0_of "$1")
  first=$(sql "select floor(extract(epoch from min(created_at)) * 1000)::bigint from charge_attempt where worker = 'worker-$HOST-$pid'")
  if [ -n "$first" ]; then result "$2" "$(( first - t0 ))"; fi
}

audit() { # audit KEY (also notes any Charon thread that died with an uncaught exception)
  local rc=0 dead
  dead=$(grep -l "^Exception in thread" "$RUN/$SC".*.log 2>/dev/null | xargs -r -n1 basename | tr '\n' ' ' || true)
  if [ -n "$dead" ]; then
    result "$1.thread_deaths" "$dead"
    log "uncaught exception killed a thread in: $dead"
  fi
  note_cmd "$JAVA -jar $JAR audit --gateway-url $CHARON_GATEWAY_URL; echo \$?"
  "$JAVA" -jar "$JAR" audit --gateway-url "$CHARON_GATEWAY_URL" >"$RUN/audit-$1.log" 2>&1 || rc=$?
  result "$1.audit" "$rc"
  result "$1.audit_line" "$(tail -1 "$RUN/audit-$1.log")"
  log "audit $1: exit $rc ($(tail -1 "$RUN/audit-$1.log"))"
}

# Peak heap from a -Xlog:gc file: the largest occupancy before a collection, the largest after
# one (what stayed live), and the largest committed heap, in MB.
heap() { # heap NAME KEY
  local f="$RUN/$SC.$1-gc.log"
  [ -f "$f" ] || return 0
  local line
  line=$(grep -oE '[0-9]+[KMG]->[0-9]+[KMG]\([0-9]+[KMG]\)' "$f" | awk '
    function mb(s) { u = substr(s, length(s)); v = substr(s, 1, length(s) - 1) + 0;
                     return u == "K" ? v / 1024 : u == "G" ? v * 1024 : v }
    { split($0, a, /->|\(|\)/); b[NR] = mb(a[1]); f[NR] = mb(a[2]); c[NR] = mb(a[3]) }
    END { for (i = 1; i <= NR; i++) {
            if (b[i] > mb_b) mb_b = b[i]; if (f[i] > mb_f) mb_f = f[i]; if (c[i] > mb_c) mb_c = c[i];
            if (i <= NR / 2) { if (f[i] > h1) h1 = f[i] } else { if (f[i] > h2) h2 = f[i] } }
          printf "%.0f|%.0f|%.0f|%d|%.0f|%.0f", mb_b, mb_f, mb_c, NR, h1, h2 }')
  IFS='|' read -r before after committed gcs half1 half2 <<<"$line"
  result "$2.heap_peak_mb" "$before"
  result "$2.heap_live_mb" "$after"
  result "$2.heap_committed_mb" "$committed"
  result "$2.heap_live_first_half_mb" "$half1"
  result "$2.heap_live_second_half_mb" "$half2"
  result "$2.gcs" "$gcs"
}

# Heap in use right now (jcmd GC.heap_info), MB.
heap_now() { # heap_now NAME KEY
  local used
  used=$("$JAVA_HOME/bin/jcmd" "$(pid_of "$1")" GC.heap_info 2>/dev/null | sed -n 's/.*heap.*used \([0-9]*\)K.*/\1/p' | head -1)
  [ -n "$used" ] && result "$2.heap_end_used_mb" "$(( used / 1024 ))"
  return 0
}

# CPU seconds used by our processes and by this database's PostgreSQL backends, and by the whole
# machine, between cpu_mark and cpu_take (clock ticks from /proc).
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
machine_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
cpu_mark() { CPU_M0=$(machine_busy); CPU_T0=$(now_ms); }
cpu_take() { # cpu_take KEY NAME...  (names of launched processes; "postgres" = this DB's backends)
  local k="$1" name pid t total=0 hz; shift
  hz=$(getconf CLK_TCK)
  for name in "$@"; do
    t=0
    if [ "$name" = postgres ]; then
      for pid in $(sql "select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()"); do
        t=$(( t + $(ticks "$pid") ))
      done
    else
      t=$(ticks "$(pid_of "$name")")
    fi
    total=$(( total + t ))
    result "$k.cpu.$name" "$(calc "$t / $hz")"
  done
  local busy=$(( $(machine_busy) - CPU_M0 )) wall_ms=$(( $(now_ms) - CPU_T0 ))
  result "$k.cpu.machine" "$(calc "$busy / $hz")"
  result "$k.cpu.wall" "$(calc "$wall_ms / 1000")"
}

# pg_stat_statements needs shared_preload_libraries (a restart); instead sample pg_stat_activity
# every 100 ms on one connection and count what the active backends of this database are doing.
start_sampler() {
  local f="$RUN/sampler-$1.sql" i
  for i in $(seq 1 6000); do
    echo "select coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, '-') || ' | ' || left(regexp_replace(query, '\s+', ' ', 'g'), 70) from pg_stat_activity where datname = current_database() and state = 'active' and pid <> pg_backend_pid() and query not like '%pg_stat_activity%';"
    echo "select pg_sleep(0.1);"
  done >"$f"
  psql -X -q -tA -d "$DB" -f "$f" >"$RUN/samples-$1.txt" 2>/dev/null &
  SAMPLER=$!
}
stop_sampler() {
  kill "$SAMPLER" 2>/dev/null || true
  wait "$SAMPLER" 2>/dev/null || true
  SAMPLER=
  grep -v '^$' "$RUN/samples-$1.txt" | sort | uniq -c | sort -rn | head -10 >"$RUN/top-sql-$1.txt" || true
}

machine_load() { cut -d' ' -f1-3 /proc/loadavg; }
others() { # java processes on the machine that this harness did not start
  local n=0 p
  for p in $(pgrep -x java || true); do
    case " ${PIDS[*]} " in *" $p "*) ;; *) n=$((n + 1)) ;; esac
  done
  echo "$n"
}

# ---------------------------------------------------------------------------------------------
# Scenario 1: end-to-end invoices/s at zero gateway latency, postgres transport, 1 and 2 workers;
# the pgbench ceiling with the same SQL and batch size on a fresh database of the same size.
scenario_e2e() { # scenario_e2e WORKERS
  local k="e2e.w$1" i names=()
  CMDLOG="$RUN/commands-1.txt"
  note_cmd "# scenario 1, $1 worker(s)"
  log "scenario 1: $E2E_N invoices, zero latency, postgres transport, $1 worker(s) x $E2E_C (load $(machine_load))"
  result "$k.load" "$(machine_load) / $(others) other java processes"
  SC="s1-e2e-w$1"
  start_gateway 0
  fresh_db "e2e$1" "$E2E_N"
  postgres_env
  gateway_ready
  for i in $(seq 1 "$1"); do
    local extra=()
    # JFR on the single worker: where its CPU goes (summarised with `jfr view hot-methods`).
    # The worker's SIGTERM hook ends in Runtime.halt, so the recording is dumped with jcmd before it stops.
    [ "$1" = 1 ] && extra=("-XX:StartFlightRecording=name=bench,settings=profile")
    start_worker "e2e-w$1-$i" "$E2E_C" "${extra[@]}"
    names+=("e2e-w$1-$i")
  done
  workers_ready "${names[@]}"
  [ "$1" = 1 ] && start_sampler "$k"
  cpu_mark
  start_bill
  wait_bill "$k"
  cpu_take "$k" "${names[@]}" gateway postgres
  [ "$1" = 1 ] && stop_sampler "$k"
  result "$k.wall_ms" "$BILL_MS"
  measure "$k"
  audit "$k"
  if [ "$1" = 1 ]; then
    "$JAVA_HOME/bin/jcmd" "$(pid_of e2e-w1-1)" JFR.dump name=bench "filename=$RUN/worker-e2e.jfr" >/dev/null 2>&1 || true
  fi
  stop_all
  if [ "$1" = 1 ] && [ -f "$RUN/worker-e2e.jfr" ]; then
    "$JAVA_HOME/bin/jfr" view --width 140 hot-methods "$RUN/worker-e2e.jfr" >"$RUN/jfr-hot-methods.txt" 2>&1 || true
  fi
  drop_db
}

# Workers are started and ready (polling) before `charon bill` produces the run, so every worker
# charges from the first request on and a slow JVM start does not skew a throughput window.
workers_ready() {
  local i
  for i in "$@"; do wait_for 120 "worker $i up" grep -q "charon worker" "$RUN/$SC.$i.log"; done
  sleep 1
}

# Scenario 5 (cold start): requests are waiting; a worker is started with the JVM options
# ./charon gives it (scripts/jvm-options.sh), and the time from its process start to its first
# attempt row is taken. The first start finds no class-data archive and writes one when it is
# stopped (a new machine, or a new jar); the three measured starts that follow map it, one worker
# at a time.
scenario_coldstart() {
  local k="coldstart" i cds
  CMDLOG="$RUN/commands-5.txt"
  log "scenario 5: worker cold start to first charge, 1 + 3 starts (load $(machine_load))"
  result "$k.load" "$(machine_load) / $(others) other java processes"
  SC="s5-coldstart"
  read -r -a cds <<<"$(charon_cds_options worker "$RUN")"
  start_gateway 0
  fresh_db cold "$E2E_N"
  postgres_env
  gateway_ready
  start_bill
  wait_for 300 "run produced" produced
  for i in 0 1 2 3; do
    start_worker "cold-$i" "$E2E_C" "${cds[@]}"
    wait_for 120 "first attempt of cold-$i" first_attempt "cold-$i"
    if [ "$i" = 0 ]; then cold_start "cold-$i" "coldfirst.cold-$i"; else cold_start "cold-$i" "coldstart.cold-$i"; fi
    stop_pid "$(pid_of "cold-$i")"
  done
  result "coldfirst.archive_mb" "$(( $(stat -c %s "$RUN/charon-worker.jsa" 2>/dev/null || echo 0) / 1048576 ))"
  stop_all
  drop_db
}
first_attempt() { [ -n "$(sql "select 1 from charge_attempt where worker = 'worker-$HOST-$(pid_of "$1")' limit 1")" ]; }

scenario_pgbench() { # scenario_pgbench CLIENTS
  local k="pgbench.c$1" c="$1"
  CMDLOG="$RUN/commands-1.txt"
  note_cmd "# scenario 1, pgbench ceiling, $c clients"
  log "scenario 1: pgbench ceiling, $E2E_N invoices, batch $E2E_C, $c clients (load $(machine_load))"
  result "$k.load" "$(machine_load) / $(others) other java processes"
  SC="s1-pgbench-c$c"
  fresh_db "pgb$c" "$E2E_N"
  note_cmd "psql -d $DB -f bench/produce.sql"
  psqlq -d "$DB" -f "$BENCH/produce.sql" >/dev/null
  local t=$(( E2E_N / E2E_C / c ))
  local cmd=(pgbench -h 127.0.0.1 -U postgres -n -M prepared -r -c "$c" -j "$(( c < 2 ? c : 2 ))" -t "$t" -D "batch=$E2E_C" -f "$BENCH/charge.pgbench" "$DB")
  note_cmd "${cmd[*]}"
  "${cmd[@]}" >"$RUN/$SC.pgbench.log" 2>&1
  local tps; tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$RUN/$SC.pgbench.log")
  result "$k.tps" "$tps"
  result "$k.rate" "$(calc "$tps * $E2E_C")"
  result "$k.paid" "$(sql "select count(*) from invoice where status = 'PAID'")"
  result "$k.invoices" "$(( t * c * E2E_C ))"
  drop_db
}

# Scenario 2: a large run, 100 ms latency, one worker; wall time from `bill` start to finish.
scenario_large() {
  local k="large"
  CMDLOG="$RUN/commands-2.txt"
  log "scenario 2: $LARGE_N invoices, ${LAT} ms latency, 1 worker x $LARGE_C (load $(machine_load))"
  result "$k.load" "$(machine_load) / $(others) other java processes"
  SC="s2-large"
  start_gateway "$LAT"
  fresh_db large "$LARGE_N"
  postgres_env
  gateway_ready
  start_worker large-w1 "$LARGE_C"
  wait_for 90 "worker up" grep -q "charon worker" "$RUN/$SC.large-w1.log"
  cpu_mark
  start_bill
  wait_bill "$k"
  cpu_take "$k" large-w1 gateway postgres
  result "$k.wall_ms" "$BILL_MS"
  result "$k.bill_rc" "$BILL_RC"
  measure "$k"
  audit "$k"
  heap_now large-w1 "$k.worker"
  stop_all
  heap large-w1 "$k.worker"
  drop_db
}

# Scenario 3: 1, 2, 4 worker processes at 100 ms latency, each transport; the requests are ready
# (produced, and for rabbitmq published) before the workers start.
scenario_scale() { # scenario_scale TRANSPORT WORKERS
  local tr="$1" n="$2" k="scale.$1.w$2" i names=()
  CMDLOG="$RUN/commands-3.txt"
  note_cmd "# scenario 3, $tr, $n worker(s)"
  log "scenario 3: $SCALE_N invoices, ${LAT} ms, $tr, $n worker(s) x $SCALE_C (load $(machine_load))"
  result "$k.load" "$(machine_load) / $(others) other java processes"
  SC="s3-$tr-w$n"
  start_gateway "$LAT"
  fresh_db "sc${tr:0:2}$n" "$SCALE_N"
  gateway_ready
  if [ "$tr" = rabbitmq ]; then
    rabbit_env "sc$n"
    export CHARON_AMQP_PREFETCH="$SCALE_C"
    note_cmd "export CHARON_AMQP_PREFETCH=$SCALE_C"
    start_server "scale-server"
  else
    postgres_env
  fi
  for i in $(seq 1 "$n"); do start_worker "sc-$tr-w$n-$i" "$SCALE_C"; names+=("sc-$tr-w$n-$i"); done
  workers_ready "${names[@]}"
  cpu_mark
  start_bill
  wait_bill "$k"
  cpu_take "$k" "${names[@]}" gateway postgres
  result "$k.wall_ms" "$BILL_MS"
  measure "$k"
  audit "$k"
  stop_all
  unset CHARON_AMQP_PREFETCH
  drop_db
}

# Scenario 6: the seed solution's approach at the same latency, sequential and a 2-thread
# parallel stream, against the same gateway; audited like the rest.
scenario_reference() {
  local k="ref"
  CMDLOG="$RUN/commands-6.txt"
  log "scenario 6: seed-solution reference, $REF_N invoices per mode, ${LAT} ms latency (load $(machine_load))"
  result "$k.load" "$(machine_load) / $(others) other java processes"
  SC="s6-reference"
  start_gateway "$LAT"
  fresh_db ref "$(( REF_N * 2 ))"
  gateway_ready
  local mode line
  for mode in sequential parallel; do
    note_cmd "java -cp $JAR bench/SeedReference.java $CHARON_DB_URL $CHARON_GATEWAY_URL $REF_N $mode"
    line=$("$JAVA" -cp "$JAR" "$BENCH/SeedReference.java" "$CHARON_DB_URL" "$CHARON_GATEWAY_URL" "$REF_N" "$mode" 2>>"$RUN/reference.log")
    echo "$line" >>"$RUN/reference.log"
    result "$k.$mode.rate" "$(sed -n 's/.*rate=\([0-9.]*\).*/\1/p' <<<"$line")"
    result "$k.$mode.paid" "$(sed -n 's/.*paid=\([0-9]*\).*/\1/p' <<<"$line")"
  done
  audit "$k"
  stop_all
  drop_db
}

# Scenario 7 (issue 4): server + three workers + gateway, SIGKILL one worker half-way, audit.
scenario_issue4() { # scenario_issue4 TRANSPORT
  local tr="$1" k="issue4.$1" i names=()
  CMDLOG="$RUN/commands-7.txt"
  note_cmd "# scenario 7, $tr"
  log "scenario 7: $I4_N invoices, ${LAT} ms, $tr, server + 3 workers x $I4_C, SIGKILL one half-way (load $(machine_load))"
  result "$k.load" "$(machine_load) / $(others) other java processes"
  SC="s7-$tr"
  start_gateway "$LAT"
  fresh_db "i4${tr:0:2}" "$I4_N"
  gateway_ready
  # A killed worker's leases lapse after CHARON_LEASE; 15 s instead of 60 s keeps the run short.
  export CHARON_LEASE=15s
  note_cmd "export CHARON_LEASE=15s"
  if [ "$tr" = rabbitmq ]; then
    rabbit_env i4
    export CHARON_AMQP_PREFETCH="$I4_C"
    note_cmd "export CHARON_AMQP_PREFETCH=$I4_C"
  else
    postgres_env
  fi
  start_server "i4-server-$tr"
  for i in 1 2 3; do start_worker "i4-$tr-w$i" "$I4_C"; names+=("i4-$tr-w$i"); done
  for i in "${names[@]}"; do wait_for 90 "worker $i up" grep -q "charon worker" "$RUN/$SC.$i.log"; done
  cpu_mark
  start_bill
  wait_for 1800 "half settled" test_half
  local victim; victim=$(pid_of "i4-$tr-w2")
  note_cmd "kill -KILL <pid of worker 2>   # when half the invoices are settled"
  kill -KILL "$victim"
  result "$k.killed_at_settled" "$(settled)"
  log "scenario 7 ($tr): SIGKILLed worker 2 (pid $victim) at $(settled) settled"
  wait_bill "$k"
  cpu_take "$k" "i4-server-$tr" i4-$tr-w1 i4-$tr-w3 gateway postgres
  result "$k.wall_ms" "$BILL_MS"
  result "$k.bill_rc" "$BILL_RC"
  measure "$k"
  result "$k.dup_attempts" "$(sql "select count(*) from (select invoice_id from charge_attempt group by 1 having count(*) > 1) s")"
  audit "$k"
  heap_now "i4-server-$tr" "$k.server"
  heap_now "i4-$tr-w1" "$k.worker"
  stop_all
  heap "i4-server-$tr" "$k.server"
  heap "i4-$tr-w1" "$k.worker"
  unset CHARON_LEASE CHARON_AMQP_PREFETCH
  drop_db
}
test_half() { [ "$(settled)" -ge $(( I4_N / 2 )) ]; }

# ---------------------------------------------------------------------------------------------
machine_facts() {
  result machine.date "$(date -u '+%Y-%m-%d %H:%M UTC')"
  result machine.nproc "$(nproc)"
  result machine.cpu "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
  result machine.mem "$(free -g | awk '/^Mem:/ { print $2 " GiB" }')"
  result machine.kernel "$(uname -r)"
  result machine.postgres "$(psqlq -d postgres -c 'show server_version')"
  result machine.pg_settings "$(psqlq -d postgres -c "select string_agg(name || '=' || setting || coalesce(unit, ''), ', ' order by name) from pg_settings where name in ('shared_buffers', 'synchronous_commit', 'fsync', 'max_connections', 'wal_level', 'shared_preload_libraries')")"
  result machine.pgss "$(psqlq -d postgres -c "select case when current_setting('shared_preload_libraries') like '%pg_stat_statements%' then 'loaded' else 'not preloaded (needs a restart)' end")"
  result machine.rabbitmq "$(rabbitmqctl version 2>/dev/null | tail -1)"
  result machine.jdk "$("$JAVA" -version 2>&1 | head -1)"
  result machine.load_start "$(machine_load)"
  result machine.jar "$(sha256sum "$JAR" | cut -c1-12) ($(date -u -r "$JAR" '+%Y-%m-%d %H:%M UTC'))"
  result machine.git "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  result machine.other_java "$(others)"
}

main() {
  log "bench run $STAMP -> $RUN (jar $JAR)"
  machine_facts
  result sizes "e2e=$E2E_N/c$E2E_C large=$LARGE_N/c$LARGE_C scale=$SCALE_N/c$SCALE_C ref=$REF_N issue4=$I4_N/c$I4_C latency=${LAT}ms quick=$QUICK"
  case " $ONLY " in *" 1 "*)
    scenario_e2e 1; scenario_e2e 2; scenario_pgbench 2; scenario_pgbench 4 ;; esac
  case " $ONLY " in *" 2 "*) scenario_large ;; esac
  case " $ONLY " in *" 3 "*)
    for tr in postgres rabbitmq; do for n in 1 2 4; do scenario_scale "$tr" "$n"; done; done ;; esac
  case " $ONLY " in *" 5 "*) scenario_coldstart ;; esac
  case " $ONLY " in *" 6 "*) scenario_reference ;; esac
  case " $ONLY " in *" 7 "*) scenario_issue4 postgres; scenario_issue4 rabbitmq ;; esac
  result machine.load_end "$(machine_load)"
  result harness.seconds "$(( $(date +%s) - HARNESS_START ))"
  DB=
  "$BENCH/report.sh" "$RUN"
  log "done in $(( $(date +%s) - HARNESS_START )) s: BENCHMARKS.md, docs/img/worker-scaling.png"
}

main
