#!/usr/bin/env bash
# Starts a PostgreSQL cluster and a RabbitMQ node of the chaos suite's own (creating them the first
# time), so that the full run's database and broker restarts touch nothing else on the machine,
# and prints the environment the full run needs. Debian's PostgreSQL 15 and RabbitMQ 3.10, as root.
#   eval "$(./scripts/chaos-targets.sh)"   then   CHARON_CHAOS_FULL=true ... ./scripts/chaos.sh
set -euo pipefail
pg_version="$(ls /etc/postgresql | sort -n | tail -1)"
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

cat <<ENV
export CHARON_TEST_DB_URL='jdbc:postgresql://127.0.0.1:$pg_port/postgres'
export CHARON_TEST_PG_CLUSTER='$pg_version chaos'
export CHARON_TEST_AMQP_URL='amqp://guest:guest@127.0.0.1:$amqp_port/%2F'
export CHARON_TEST_RABBIT_NODE='$node'
ENV
