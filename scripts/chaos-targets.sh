#!/usr/bin/env bash
# Starts a PostgreSQL cluster and a RabbitMQ node of the chaos suite's own (creating them the first
# time), so that the full run's database and broker restarts touch nothing else on the machine,
# and prints the environment the full run needs. Debian's PostgreSQL 15 and RabbitMQ 3.10, as root.
#   eval "$(./scripts/chaos-targets.sh)"   then   CHARON_CHAOS_FULL=true ... ./scripts/chaos.sh
# Multi-node targets, all on this machine's loopback (issue 16), each printing what it adds:
#   ./scripts/chaos-targets.sh rabbit-cluster     three RabbitMQ nodes chaos1..3@localhost (5674-5676)
#   ./scripts/chaos-targets.sh pg-standby sync    PostgreSQL primary 5434 + streaming standby 5435,
#   ./scripts/chaos-targets.sh pg-standby async   made afresh each time (a failover promotes the standby)
#   ./scripts/chaos-targets.sh netns              network namespace charon-w for a worker, reaching
#                                                 PostgreSQL over veth charon-db (10.77.1.1) and the
#                                                 gateway over veth charon-gw (10.77.2.1); the chaos
#                                                 clusters (chaos, chaosa, chaosb) listen on 10.77.1.1
#   ./scripts/chaos-targets.sh pg-pitr            PostgreSQL primary 5436 archiving its WAL, made afresh;
#   ./scripts/chaos-targets.sh pg-pitr-backup     its base backup; pg-pitr-restore 'TIME' replaces its
#                                                 data with the backup recovered to TIME (issue 27)
#   (netns before pg-standby: a standby pair made afterwards listens on 10.77.1.1 too.)
set -euo pipefail
pg_version="$(ls /etc/postgresql | sort -n | tail -1)"
netns=charon-w
db_host=10.77.1.1
gw_host=10.77.2.1
pitr_dir=/var/tmp/charon-chaos-pitr

# listen_addresses of a chaos cluster: loopback, and the veth's host side once the netns exists.
listen_addresses() {
  if ip addr show charon-db0 2>/dev/null | grep -q "inet $db_host/"; then echo "127.0.0.1,$db_host"; else echo 127.0.0.1; fi
}

# Lets the worker in the network namespace reach cluster $1 (and its own ones) over charon-db.
open_cluster_to_netns() {
  local conf="/etc/postgresql/$pg_version/$1"
  grep -q '10.77.0.0/16' "$conf/pg_hba.conf" || echo 'host all all 10.77.0.0/16 trust' >> "$conf/pg_hba.conf"
  if ! grep -q "^listen_addresses = '127.0.0.1,$db_host'" "$conf/postgresql.conf"; then
    printf "listen_addresses = '127.0.0.1,%s'\n" "$db_host" >> "$conf/postgresql.conf"
    if pg_ctlcluster --skip-systemctl-redirect "$pg_version" "$1" status >/dev/null 2>&1; then
      pg_ctlcluster --skip-systemctl-redirect "$pg_version" "$1" restart >&2
    fi
  fi
}

# Starts RabbitMQ node $1 on AMQP port $2 and distribution port $3 in a directory of its own.
start_rabbit_node() {
  launch_rabbit_node "$@"
  await_rabbit_node "$1"
}

# Starts a node without waiting for it to boot: a node of a cluster that was stopped as a whole
# waits at boot for the peer that stopped last, so the three must be launched before any is awaited.
launch_rabbit_node() {
  local node="$1" port="$2" dist="$3" dir="/var/tmp/charon-chaos-rabbit-${1%%@*}"
  if rabbitmqctl -q -n "$node" ping >/dev/null 2>&1; then return; fi
  mkdir -p "$dir/mnesia" "$dir/log"
  echo '[].' > "$dir/enabled_plugins"
  printf 'listeners.tcp.local = 127.0.0.1:%s\n' "$port" > "$dir/rabbitmq.conf"
  chown -R rabbitmq:rabbitmq "$dir"
  (cd "$dir" && RABBITMQ_NODENAME="$node" RABBITMQ_NODE_PORT="$port" RABBITMQ_DIST_PORT="$dist" \
    RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" RABBITMQ_MNESIA_BASE="$dir/mnesia" \
    RABBITMQ_LOG_BASE="$dir/log" RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
    RABBITMQ_PID_FILE="$dir/pid" rabbitmq-server -detached)
}

await_rabbit_node() {
  local node="$1"
  for _ in $(seq 1 60); do rabbitmqctl -q -n "$node" ping >/dev/null 2>&1 && break; sleep 1; done
  rabbitmqctl -q -n "$node" await_startup --timeout 120 >&2
}

if [ "${1:-}" = rabbit-cluster ]; then
  # ChaosIT restarts a killed node with this same function: scripts/chaos-targets.sh rabbit-node N.
  for i in 1 2 3; do launch_rabbit_node "chaos$i@localhost" $((5673 + i)) $((25673 + i)); done
  for i in 1 2 3; do await_rabbit_node "chaos$i@localhost"; done
  for i in 2 3; do
    if ! rabbitmqctl -q -n "chaos$i@localhost" cluster_status --formatter json | grep -q 'chaos1@localhost'; then
      rabbitmqctl -q -n "chaos$i@localhost" stop_app >&2
      rabbitmqctl -q -n "chaos$i@localhost" join_cluster chaos1@localhost >&2
      rabbitmqctl -q -n "chaos$i@localhost" start_app >&2
    fi
  done
  cat <<ENV
export CHARON_TEST_AMQP_URL='amqp://guest:guest@127.0.0.1:5674/%2F,amqp://guest:guest@127.0.0.1:5675/%2F,amqp://guest:guest@127.0.0.1:5676/%2F'
export CHARON_TEST_RABBIT_NODE='chaos1@localhost'
export CHARON_TEST_RABBIT_CLUSTER='chaos1@localhost,chaos2@localhost,chaos3@localhost'
ENV
  exit 0
fi

if [ "${1:-}" = rabbit-node ]; then
  start_rabbit_node "chaos$2@localhost" $((5673 + $2)) $((25673 + $2))
  exit 0
fi

if [ "${1:-}" = pg-standby ]; then
  mode="${2:-sync}"
  for c in chaosa chaosb; do
    if [ -d "/etc/postgresql/$pg_version/$c" ]; then pg_dropcluster --stop "$pg_version" "$c" >&2; fi
  done
  # --no-sync: initdb skips its final fsync (the clusters themselves run with fsync on).
  pg_createcluster "$pg_version" chaosa -p 5434 -- --auth=trust --no-sync >&2
  conf="/etc/postgresql/$pg_version/chaosa/postgresql.conf"
  sed -i 's/^#\?max_connections.*/max_connections = 200/' "$conf"
  printf "listen_addresses = '%s'\nwal_level = replica\nmax_wal_senders = 5\n" "$(listen_addresses)" >> "$conf"
  echo 'host all all 10.77.0.0/16 trust' >> "/etc/postgresql/$pg_version/chaosa/pg_hba.conf"
  if [ "$mode" = sync ]; then
    # Every commit waits until the standby has flushed it: a failover loses nothing committed.
    printf "synchronous_standby_names = '*'\nsynchronous_commit = on\n" >> "$conf"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$pg_version" chaosa start >&2
  pg_createcluster "$pg_version" chaosb -p 5435 -- --auth=trust --no-sync >&2
  standby="/var/lib/postgresql/$pg_version/chaosb"
  rm -rf "$standby" && install -d -o postgres -g postgres -m 700 "$standby"
  su postgres -c "pg_basebackup -h 127.0.0.1 -p 5434 -U postgres -D $standby -R -X stream" >&2
  conf="/etc/postgresql/$pg_version/chaosb/postgresql.conf"
  sed -i 's/^#\?max_connections.*/max_connections = 200/' "$conf"
  printf "listen_addresses = '%s'\n" "$(listen_addresses)" >> "$conf"
  pg_ctlcluster --skip-systemctl-redirect "$pg_version" chaosb start >&2
  for _ in $(seq 1 30); do
    [ "$(psql -qAt -h 127.0.0.1 -p 5434 -U postgres -c 'select count(*) from pg_stat_replication where state = $$streaming$$')" = 1 ] && break
    sleep 1
  done
  psql -qAt -h 127.0.0.1 -p 5434 -U postgres -c 'select application_name, state, sync_state from pg_stat_replication' >&2
  cat <<ENV
export CHARON_TEST_DB_URL='jdbc:postgresql://127.0.0.1:5434,127.0.0.1:5435/postgres?targetServerType=primary'
export CHARON_TEST_PG_FAILOVER='$pg_version chaosa 5434 chaosb 5435 $mode'
ENV
  exit 0
fi

if [ "${1:-}" = pg-pitr ]; then
  # A primary (5436) that archives every WAL segment, for the point-in-time-restore scenario
  # (issue 27), made afresh: 1 MB segments and archive_timeout 1 s, so the archive trails the
  # primary by about a second; the archive and the base backup live in $pitr_dir.
  if [ -d "/etc/postgresql/$pg_version/chaosr" ]; then pg_dropcluster --stop "$pg_version" chaosr >&2 || true; fi
  # pg_dropcluster leaves files it did not make, such as a restore's conf.d/recovery.conf.
  rm -rf "/etc/postgresql/$pg_version/chaosr" "/var/lib/postgresql/$pg_version/chaosr" "$pitr_dir" && install -d -o postgres -g postgres -m 700 "$pitr_dir" "$pitr_dir/wal"
  pg_createcluster "$pg_version" chaosr -p 5436 -- --auth=trust --no-sync --wal-segsize=1 >&2
  conf="/etc/postgresql/$pg_version/chaosr/postgresql.conf"
  sed -i 's/^#\?max_connections.*/max_connections = 200/' "$conf"
  printf "listen_addresses = '127.0.0.1'\nwal_level = replica\narchive_mode = on\narchive_timeout = 1\n" >> "$conf"
  printf "archive_command = 'test ! -f %s/wal/%%f && cp %%p %s/wal/%%f'\n" "$pitr_dir" "$pitr_dir" >> "$conf"
  pg_ctlcluster --skip-systemctl-redirect "$pg_version" chaosr start >&2
  cat <<ENV
export CHARON_TEST_DB_URL='jdbc:postgresql://127.0.0.1:5436/postgres'
export CHARON_TEST_PG_PITR='$pg_version chaosr 5436 $pitr_dir'
ENV
  exit 0
fi

if [ "${1:-}" = pg-pitr-backup ]; then
  # A base backup of the primary, its WAL left to the archive (-X none): the backup returns once
  # the WAL it needs is archived.
  rm -rf "$pitr_dir/base"
  su postgres -c "pg_basebackup -h 127.0.0.1 -p 5436 -U postgres -D $pitr_dir/base -X none -c fast" >&2
  echo "base backup in $pitr_dir/base" >&2
  exit 0
fi

if [ "${1:-}" = pg-pitr-restore ]; then
  # What an operator does after losing the primary (or to undo a mistake): the data directory is
  # replaced by the base backup, which replays the archived WAL up to the target time and is
  # promoted there, on a new timeline, on the same port.
  target="$2"
  data="/var/lib/postgresql/$pg_version/chaosr"
  pg_ctlcluster --skip-systemctl-redirect "$pg_version" chaosr stop -m immediate >&2 2>/dev/null || true
  rm -rf "$data" && cp -a "$pitr_dir/base" "$data" && chown -R postgres:postgres "$data" && chmod 700 "$data"
  touch "$data/recovery.signal" && chown postgres:postgres "$data/recovery.signal"
  recovery="/etc/postgresql/$pg_version/chaosr/conf.d/recovery.conf"
  printf "restore_command = 'cp %s/wal/%%f %%p'\nrecovery_target_time = '%s'\nrecovery_target_action = 'promote'\n" \
    "$pitr_dir" "$target" > "$recovery"
  pg_ctlcluster --skip-systemctl-redirect "$pg_version" chaosr start >&2
  for _ in $(seq 1 300); do
    [ "$(psql -qAt -h 127.0.0.1 -p 5436 -U postgres -c 'select pg_is_in_recovery()' 2>/dev/null)" = f ] && break
    sleep 0.5
  done
  rm -f "$recovery" # the recovery is done; a later restart must not look for a target again
  [ "$(psql -qAt -h 127.0.0.1 -p 5436 -U postgres -c 'select pg_is_in_recovery()')" = f ] \
    || { echo "the restored cluster is still in recovery" >&2; exit 1; }
  # The new timeline's history: where the restore left the old one, and why.
  psql -qAt -h 127.0.0.1 -p 5436 -U postgres -c \
    "select pg_read_file('pg_wal/' || lpad(to_hex(('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int), 8, '0') || '.history')"
  exit 0
fi

pg_port=5433
node=chaos@localhost
amqp_port=5673
rabbit_dir=/var/tmp/charon-chaos-rabbit

if [ ! -d "/etc/postgresql/$pg_version/chaos" ]; then
  pg_createcluster "$pg_version" chaos -p "$pg_port" -- --auth=trust >&2
  sed -i 's/^#\?max_connections.*/max_connections = 200/' "/etc/postgresql/$pg_version/chaos/postgresql.conf"
fi
pg_ctlcluster --skip-systemctl-redirect "$pg_version" chaos start >&2 2>/dev/null || true
pg_isready -q -h 127.0.0.1 -p "$pg_port"

if ! rabbitmqctl -q -n "$node" ping >/dev/null 2>&1; then
  mkdir -p "$rabbit_dir/mnesia" "$rabbit_dir/log"
  echo '[].' > "$rabbit_dir/enabled_plugins"
  # The machine's rabbitmq.conf binds 5672: this node needs a config of its own.
  printf 'listeners.tcp.local = 127.0.0.1:%s\n' "$amqp_port" > "$rabbit_dir/rabbitmq.conf"
  chown -R rabbitmq:rabbitmq "$rabbit_dir"
  (cd "$rabbit_dir" && RABBITMQ_NODENAME="$node" RABBITMQ_NODE_PORT="$amqp_port" RABBITMQ_DIST_PORT=25673 \
    RABBITMQ_CONFIG_FILE="$rabbit_dir/rabbitmq.conf" RABBITMQ_MNESIA_BASE="$rabbit_dir/mnesia" \
    RABBITMQ_LOG_BASE="$rabbit_dir/log" RABBITMQ_ENABLED_PLUGINS_FILE="$rabbit_dir/enabled_plugins" \
    RABBITMQ_PID_FILE="$rabbit_dir/pid" rabbitmq-server -detached)
  # -detached returns before the node has registered: wait for it to answer, then to finish booting.
  for _ in $(seq 1 60); do rabbitmqctl -q -n "$node" ping >/dev/null 2>&1 && break; sleep 1; done
  rabbitmqctl -q -n "$node" await_startup --timeout 60 >&2
fi

if [ "${1:-}" = netns ]; then
  # A worker's own network namespace (issue 16, the partitioned worker): two veth pairs, so that
  # ChaosIT can cut its path to PostgreSQL (ip link set charon-db1 down in the namespace) while its
  # path to the gateway stays up. 10.77.1.0/24 for PostgreSQL, 10.77.2.0/24 for the gateway.
  ip netns list | grep -qw "$netns" || ip netns add "$netns"
  ip -n "$netns" link set lo up
  for pair in "db $db_host 10.77.1.2" "gw $gw_host 10.77.2.2"; do
    set -- $pair
    if ! ip link show "charon-${1}0" >/dev/null 2>&1; then
      ip link add "charon-${1}0" type veth peer name "charon-${1}1" netns "$netns"
      ip addr add "$2/24" dev "charon-${1}0"
      ip -n "$netns" addr add "$3/24" dev "charon-${1}1"
    fi
    ip link set "charon-${1}0" up
    ip -n "$netns" link set "charon-${1}1" up  # also heals a cut an interrupted run left behind
  done
  for c in chaos chaosa chaosb; do
    if [ -d "/etc/postgresql/$pg_version/$c" ]; then open_cluster_to_netns "$c"; fi
  done
  ip netns exec "$netns" pg_isready -q -h "$db_host" -p "$pg_port" || { echo "PostgreSQL $pg_port not reachable from $netns" >&2; exit 1; }
  echo "export CHARON_TEST_NETNS='$netns $db_host $gw_host'"
  exit 0
fi

cat <<ENV
export CHARON_TEST_DB_URL='jdbc:postgresql://127.0.0.1:$pg_port/postgres'
export CHARON_TEST_PG_CLUSTER='$pg_version chaos'
export CHARON_TEST_AMQP_URL='amqp://guest:guest@127.0.0.1:$amqp_port/%2F'
export CHARON_TEST_RABBIT_NODE='$node'
ENV
