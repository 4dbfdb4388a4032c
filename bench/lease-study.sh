#!/usr/bin/env bash
# Issue 26, the last two row writes: can the claim's lease and the attempt's outcome stop being
# writes of their own? Two measurements on the real schema (a database seeded by the jar), written
# to bench/results/lease-study-<time>-<commit>.txt:
#
#  1. HOT under batches. A HOT update needs room on the row's own page. The charge path writes in
#     batches of consecutive rows (production moves 25-1000 invoices, open inserts a batch of
#     attempts), which leaves those pages full; the next batch's update of an unindexed column (the
#     lease moved to columns of its own, or the attempt's outcome with no index on it) can only be
#     HOT if the table's fillfactor left room. Measured: HOT share of such an update per fillfactor.
#  2. A lease without a write. If the claim wrote no lease on the invoice (the lease held by the
#     open attempt instead), leased invoices would stay at the front of the ready range and every
#     claim would step over them. Measured: the claim's time per statement (pgbench, one client,
#     the claim rolled back so the state stays) for the current claim (charging/claim.sql, which
#     moves the leased invoice out of the ready range) against an anti-join pick, with N invoices
#     in flight.
#
#   bench/lease-study.sh [invoices]      # default 20000
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
source "$ROOT/scripts/find-jdk.sh"
JAVA="$(find_jdk)/bin/java"
JAR="$ROOT/target/charon.jar"
[ -f "$JAR" ] || { echo "build the jar first: ./mvnw -B -DskipTests package" >&2; exit 1; }
N="${1:-20000}"
export PGHOST=127.0.0.1 PGUSER=postgres
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src || echo '+')"
OUT="$BENCH/results/lease-study-$(date -u +%Y-%m-%d-%H%M)-$COMMIT.txt"
DB="bench_lease_$$"
trap 'psql -X -q -d postgres -c "drop database if exists $DB with (force)" >/dev/null 2>&1 || true' EXIT
q() { psql -X -q -tA -d "$DB" "$@"; }
say() { echo "$*" | tee -a "$OUT"; }

psql -X -q -d postgres -c "create database $DB"
CHARON_DB_URL="jdbc:postgresql://127.0.0.1:5432/$DB" CHARON_LOG_LEVEL=WARN \
  "$JAVA" -jar "$JAR" seed --customers "$N" --invoices-per-customer 1 >/dev/null
q -c "insert into billing_run (period, cutoff, started_by, started_at) values (to_char(now(), 'YYYY-MM'), current_date, 'study', now())"
q -c "vacuum analyze"
: >"$OUT"
say "# lease study, commit $COMMIT, $(date -u +%FT%TZ), $N invoices, PostgreSQL $(q -c 'show server_version')"

# The production of the run, one batch of 1000 invoices per transaction, as DueInvoices does.
produce() {
  while [ "$(q -c "with due as (select id from invoice where status = 'PENDING' order by id limit 1000 for update skip locked),
      moved as (update invoice i set status = 'PROCESSING', billing_run_id = (select max(id) from billing_run),
                charge_available_at = now(), updated_at = now() from due where i.id = due.id returning i.id)
      select count(*) from moved")" != 0 ]; do :; done
}

# Every invoice back to PENDING and no attempt, the tables rewritten at fillfactor $1, then produced.
reset() {
  q -c "update invoice set status = 'PENDING', billing_run_id = null, charge_available_at = null, charge_lease_owner = null"
  q -c "delete from charge_attempt"
  q -c "alter table invoice set (fillfactor = $1)" -c "alter table charge_attempt set (fillfactor = $1)"
  q -c "vacuum full invoice" -c "vacuum full charge_attempt" -c "analyze"
  produce
}

# Runs one statement in a transaction of its own and prints the rows it updated in table $1 and
# how many of those updates were HOT (a transaction's statistics are read before it commits).
updates() {
  q -F ' ' -c "begin" -c "$2" \
    -c "select n_tup_upd, n_tup_hot_upd from pg_stat_xact_user_tables where relname = '$1'" -c "commit"
}

say ""
say "## 1. HOT share of a batched update of an unindexed column, right after the batch was written"
say "fillfactor | invoice: claim-like update of 60 produced rows (HOT/updated) | charge_attempt: outcome-like update of 60 inserted rows (HOT/updated)"
for ff in 100 90 80 70; do
  reset "$ff"
  # 20 claims of 60 consecutive produced invoices, each its own transaction, updating only
  # updated_at (no index holds it), each followed by the batch's attempts and their outcome.
  inv_hot=0; inv_upd=0; att_hot=0; att_upd=0
  for i in $(seq 0 19); do
    batch="select id from invoice where status = 'PROCESSING' order by charge_available_at, id offset $((i * 60)) limit 60"
    read -r u h < <(updates invoice "update invoice set updated_at = now() where id in ($batch)")
    inv_upd=$((inv_upd + u)); inv_hot=$((inv_hot + h))
    q -c "insert into charge_attempt (invoice_id, attempt_no, idempotency_key, amount_minor, currency, worker, calls, created_at)
          select id, 1, 'study-' || id, amount_minor, currency, 'study', 1, now() from invoice where id in ($batch) order by id"
    read -r u h < <(updates charge_attempt "update charge_attempt set detail = 'charged', provider_reference = 'ch_' || id,
                                             completed_at = now() where invoice_id in ($batch)")
    att_upd=$((att_upd + u)); att_hot=$((att_hot + h))
  done
  say "$ff | $inv_hot/$inv_upd | $att_hot/$att_upd"
done

say ""
say "## 2. The claim of 60 with N invoices in flight: the current claim against a lease held by the attempt"
q -c "alter table charge_attempt add column lease_until timestamptz"
reset 100
CLAIM="$(sed -e 's/charon_now()/now()/g' "$ROOT/src/main/resources/sql/charging/claim.sql")"
current="$(mktemp)"; antijoin="$(mktemp)"
printf 'begin;\n%s;\nrollback;\n' "$CLAIM" >"$current"
cat >"$antijoin" <<'SQL'
begin;
select i.id from invoice i
where i.charge_available_at <= now()
  and not exists (select 1 from charge_attempt a
                  where a.invoice_id = i.id and a.outcome = 'UNKNOWN' and a.lease_until > now())
order by i.charge_available_at, i.id
limit :max
for update skip locked;
rollback;
SQL
# Three 6-second rounds of each, alternating, one client; the median of the three is reported
# with all three (this host is shared: only figures taken side by side compare).
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
say "in flight | current claim: median ms per statement (3 rounds) | anti-join pick: median ms per statement (3 rounds) | anti-join / current"
for inflight in 0 512 1024 2048 4096; do
  q -c "delete from charge_attempt" -c "update invoice set charge_available_at = now() - interval '1 hour', charge_lease_owner = null where charge_available_at is not null"
  # The current design: an invoice in flight has its lease end as charge_available_at (later), so
  # the claim never meets it. The other: its open attempt holds the lease, and the invoice stays
  # at the front of the ready range.
  q -c "insert into charge_attempt (invoice_id, attempt_no, idempotency_key, amount_minor, currency, worker, calls, created_at, lease_until)
        select id, 1, 'study-' || id, amount_minor, currency, 'study', 1, now(), now() + interval '1 hour'
        from invoice where charge_available_at is not null order by charge_available_at, id limit $inflight"
  q -c "vacuum analyze"
  cur=(); anti=()
  for round in 1 2 3; do
    cur+=("$(pgbench -n -M prepared -c 1 -T 6 -D max=60 -D owner=study -D lease=60000 -f "$current" "$DB" 2>/dev/null | awk '/latency average/ {print $4}')")
    anti+=("$(pgbench -n -M prepared -c 1 -T 6 -D max=60 -f "$antijoin" "$DB" 2>/dev/null | awk '/latency average/ {print $4}')")
  done
  c="$(median "${cur[@]}")"; a="$(median "${anti[@]}")"
  say "$inflight | $c (${cur[*]}) | $a (${anti[*]}) | $(echo "scale=2; $a / $c" | bc)"
done
rm -f "$current" "$antijoin"
say ""
say "written to ${OUT#"$ROOT/"}"
