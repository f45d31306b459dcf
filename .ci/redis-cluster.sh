#!/usr/bin/env bash
# A throwaway 3-master Redis Cluster on 127.0.0.1:7001-7003 for tests (no replicas, no persistence).
#
#   .ci/redis-cluster.sh start   # idempotent: a running cluster whose state is ok is left alone
#   .ci/redis-cluster.sh stop    # shuts down only the servers on these ports and removes the state dir
#   .ci/redis-cluster.sh status
#
# Then: TEST_REDIS_CLUSTER_NODES=127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003 bun test tests/lib/redis-cluster.test.ts
# Never touches any other Redis (e.g. the one on 6379).
set -euo pipefail

PORTS=(7001 7002 7003)
HOST=127.0.0.1
DIR="${VRSS_REDIS_CLUSTER_DIR:-${TMPDIR:-/tmp}/vrss-redis-cluster}"
REDIS_SERVER="${REDIS_SERVER:-redis-server}"
REDIS_CLI="${REDIS_CLI:-redis-cli}"

log() { echo "[redis-cluster] $*"; }

up() { "$REDIS_CLI" -h "$HOST" -p "$1" ping 2>/dev/null | grep -q PONG; }

# cluster_state:ok as seen by this node, with every slot assigned.
node_ok() {
  local info
  info="$("$REDIS_CLI" -h "$HOST" -p "$1" cluster info 2>/dev/null | tr -d '\r')" || return 1
  grep -q '^cluster_state:ok$' <<<"$info" && grep -q '^cluster_slots_ok:16384$' <<<"$info" \
    && grep -q "^cluster_known_nodes:${#PORTS[@]}$" <<<"$info"
}

all_ok() {
  local p
  for p in "${PORTS[@]}"; do node_ok "$p" || return 1; done
}

stop_servers() {
  local p
  for p in "${PORTS[@]}"; do
    if up "$p"; then
      log "shutting down $HOST:$p"
      "$REDIS_CLI" -h "$HOST" -p "$p" shutdown nosave >/dev/null 2>&1 || true
    fi
  done
  for p in "${PORTS[@]}"; do
    for _ in $(seq 1 50); do up "$p" || break; sleep 0.1; done
    if up "$p"; then echo "[redis-cluster] $HOST:$p still answers after shutdown" >&2; return 1; fi
  done
}

start() {
  if all_ok; then
    log "already up: ${PORTS[*]} (cluster_state:ok)"
    return 0
  fi
  # Anything half-made (some servers up, cluster not formed) is ours: start over from scratch.
  stop_servers
  rm -rf "$DIR"
  mkdir -p "$DIR"
  local p
  for p in "${PORTS[@]}"; do
    "$REDIS_SERVER" --port "$p" --bind "$HOST" --daemonize yes \
      --cluster-enabled yes --cluster-config-file "$DIR/nodes-$p.conf" --cluster-node-timeout 5000 \
      --save '' --appendonly no --dir "$DIR" \
      --pidfile "$DIR/redis-$p.pid" --logfile "$DIR/redis-$p.log"
  done
  for p in "${PORTS[@]}"; do
    for _ in $(seq 1 50); do up "$p" && break; sleep 0.1; done
    up "$p" || { echo "[redis-cluster] $HOST:$p did not start; see $DIR/redis-$p.log" >&2; exit 1; }
  done
  local nodes=()
  for p in "${PORTS[@]}"; do nodes+=("$HOST:$p"); done
  log "creating cluster ${nodes[*]}"
  "$REDIS_CLI" --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$DIR/create.log" 2>&1 \
    || { cat "$DIR/create.log" >&2; exit 1; }
  for _ in $(seq 1 100); do
    if all_ok; then
      log "up: ${nodes[*]} (cluster_state:ok)"
      return 0
    fi
    sleep 0.2
  done
  echo "[redis-cluster] cluster_state did not become ok:" >&2
  "$REDIS_CLI" -h "$HOST" -p "${PORTS[0]}" cluster info >&2 || true
  exit 1
}

stop() {
  stop_servers
  rm -rf "$DIR"
  log "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if all_ok; then log "ok"; else log "not ok"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
