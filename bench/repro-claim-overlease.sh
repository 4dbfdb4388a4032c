#!/usr/bin/env bash
# Reproduces an engine bug found by the benchmark harness: PostgresChargeQueue.claim(max) can lease
# far more than `max` rows. When charge_request was vacuumed/analyzed while empty (autovacuum does
# this between monthly runs), a worker polling the empty queue caches a generic plan for the claim
# that is a Nested Loop Semi Join around `LIMIT :max FOR UPDATE SKIP LOCKED`; the subquery is
# re-run per outer row and skips the rows this very statement already updated, so one claim leases
# every ready row. ChargeWorker.takeLoop then calls slots.release(free - deliveries.size()) with a
# negative number, Semaphore throws IllegalArgumentException, the charge-taker thread dies and the
# worker stops charging while its process stays up (and holds the leases for CHARON_LEASE).
#
#   bench/repro-claim-overlease.sh      # prints the leases per claim statement; > 512 = the bug
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$BENCH/../scripts/find-jdk.sh"
JAVA="$(find_jdk)/bin/java"
JAR="$BENCH/out/charon.jar"
[ -f "$JAR" ] || cp "$BENCH/../target/charon.jar" "$JAR"
export PGHOST=127.0.0.1 PGUSER=postgres
DB="bench_repro_$$"
trap 'psql -X -q -d postgres -c "drop database if exists $DB with (force)" >/dev/null 2>&1 || true' EXIT
psql -X -q -d postgres -c "create database $DB"
CHARON_DB_URL="jdbc:postgresql://127.0.0.1:5432/$DB" CHARON_LOG_LEVEL=WARN "$JAVA" -jar "$JAR" seed --customers 3000 --invoices-per-customer 1 >/dev/null
psql -X -q -d "$DB" -c "insert into billing_run (period, cutoff, started_by, started_at) values (to_char(now(), 'YYYY-MM'), current_date, 'repro', now())" \
  -c "vacuum analyze charge_request"   # what autovacuum leaves behind on an empty queue table
claim="$(mktemp)"; produce="$(mktemp)"
cat >"$claim" <<'SQL'
-- the statement of PostgresChargeQueue.claim, prepared like the JDBC driver does
update charge_request r set lease_owner = 'repro', lease_until = now() + 60000 * interval '1 millisecond', deliveries = deliveries + 1
where r.id in (select id from charge_request where available_at <= now() and (lease_until is null or lease_until < now())
               order by id limit :max for update skip locked)
returning r.id, r.invoice_id;
\sleep 20 ms
SQL
cat >"$produce" <<'SQL'
-- one batch of DueInvoices.enqueueForRun
with due as (select id from invoice where status = 'PENDING' order by id limit 1000 for update skip locked),
moved as (update invoice i set status = 'PROCESSING', billing_run_id = (select max(id) from billing_run) from due where i.id = due.id returning i.id)
insert into charge_request (invoice_id, run_id) select id, (select max(id) from billing_run) from moved;
SQL
pgbench -n -M prepared -c 1 -T 6 -D max=512 -f "$claim" "$DB" >/dev/null 2>&1 &   # a worker polling an empty queue
sleep 2
psql -X -q -d "$DB" -f "$produce"   # the billing run produces 1,000 requests
wait
echo "rows leased by each claim statement (LIMIT 512):"
psql -X -d "$DB" -c "select lease_until, count(*) as leased from charge_request where lease_owner is not null group by 1 order by 1"
rm -f "$claim" "$produce"
